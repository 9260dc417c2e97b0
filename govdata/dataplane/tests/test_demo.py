"""The demo city's gathered data (issue 4, item 10): ``load_demo`` fills every published
structured entry through the real load path, with rejected rows to download, a population
register loaded twice, a quality report per entry and an open coordination case; a second
``load_demo --if-empty`` does nothing.

One test loads the demo once and looks at all of it: the load is what costs."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from govdata.catalog.models import Resource
from govdata.dataplane import demo, services, storage, synthetic
from govdata.dataplane.models import (
    Batch,
    CoordinationCase,
    CoordinationStatus,
    LoadJob,
    LoadStatus,
    QualityReport,
    RejectedRecord,
)
from govdata.orgs.actors import Actor
from govdata.orgs.models import Organisation, Person

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_the_demo_city_has_its_data_loaded_checked_and_compared(uploads):
    said = run()

    # Every published entry with data items has its data, loaded by its own provider's staff.
    structured = [
        r
        for r in Resource.objects.filter(live_version__isnull=False).select_related("provider")
        if r.live_version.items.exists()
    ]
    assert len(structured) > 50
    assert f"data in {len(structured)} entries" in said and "1 coordination case open" in said
    assert sorted(r.pk for r in demo.loadable_entries()) == sorted(r.pk for r in structured)
    for resource in structured:
        batch = Batch.objects.filter(resource=resource, number=1).first()
        assert batch is not None, resource.code
        assert storage.count_current(resource) > 0, resource.code
        job = LoadJob.objects.get(batch=batch)
        assert job.status == LoadStatus.DONE
        assert job.organisation_id == resource.provider_id  # the provider's own staff
        # Each load rejected its planted faults and kept them for download.
        assert job.rows_rejected > 0, resource.code
        assert QualityReport.objects.filter(resource=resource).exists(), resource.code
    assert not LoadJob.objects.exclude(status=LoadStatus.DONE).exists()
    assert not any(uploads.iterdir())  # every kept file discarded after its load

    # The rejected rows come back as a file with their reasons.
    rejected = RejectedRecord.objects.select_related("job").first()
    assert rejected is not None
    lines = list(csv.reader(io.StringIO(services.rejected_csv(rejected.job).decode("utf-8-sig"))))
    assert len(lines) == rejected.job.rows_rejected + 1 and all(line[-1] for line in lines[1:])

    # The population register: two loads, the second with a few changes; it can be undone.
    population = Resource.objects.get(live_version__name=synthetic.POPULATION_REGISTER)
    first, second = Batch.objects.filter(resource=population).order_by("number")
    size = demo.SIZES["small"]
    assert first.rows_inserted == size.people - round(demo.FAULTS * size.people)
    assert second.rows_inserted > 0 and second.rows_updated > 0 and second.rows_deleted > 0
    assert second.rows_unchanged > 0.9 * first.rows_inserted
    assert QualityReport.objects.filter(resource=population).count() == 2
    before = storage.count_current(population)
    staff = Person.objects.get(username="gaj_staff")  # the public security bureau's data staff
    assert LoadJob.objects.get(batch=second).actor_label == Actor.for_person(staff).label
    undone = services.undo(Actor.for_person(staff), population, second.number)
    assert undone.number == 3
    assert storage.count_current(population) == first.rows_inserted != before

    # The authority named the population register for names by ID number; the case is open
    # and lists the other departments gathering names, with the planted conflicts found.
    case = CoordinationCase.objects.get()
    assert case.status == CoordinationStatus.OPEN
    assert case.source.resource == population and case.source.item_name == "xm"
    findings = list(case.findings.all())
    assert len(findings) >= 3
    assert all(f.compared for f in findings)
    assert sum(f.conflict_count for f in findings) > 0
    assert {f.provider_id for f in findings} >= {
        Organisation.objects.get(name="示范市人力资源和社会保障局").pk,
        Organisation.objects.get(name="示范市民政局").pk,
    }

    # Loading again with --if-empty does nothing.
    counts = (Batch.objects.count(), LoadJob.objects.count(), CoordinationCase.objects.count())
    assert "already loaded" in run("--if-empty")
    assert counts == (
        Batch.objects.count(),
        LoadJob.objects.count(),
        CoordinationCase.objects.count(),
    )
    with pytest.raises(demo.DataAlreadyLoaded):
        demo.load()


def test_the_size_option_reaches_the_data_plane(uploads, monkeypatch):
    monkeypatch.setitem(
        demo.SIZES, "large", demo.Size(people=400, entities=150, rows=60, conflicts=0.05)
    )
    assert "400 people" in run("--size", "large")
    population = Resource.objects.get(live_version__name=synthetic.POPULATION_REGISTER)
    assert Batch.objects.get(resource=population, number=1).rows_read == 400 - 4
