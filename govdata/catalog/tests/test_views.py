"""The catalog's console pages: compiling with the items editor (pasted rows, inline messages),
submitting, the review queue, returning with reasons, the authority's overview."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from govdata.catalog import services
from govdata.catalog.choices import ItemType, VersionStatus
from govdata.catalog.forms import parse_item_rows
from govdata.catalog.models import Resource, ResourceVersion
from govdata.catalog.testing import compile_entry, publish

pytestmark = pytest.mark.django_db


def as_person(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def editor_post(**overrides) -> dict:
    """What the editor posts for a complete entry with two rows and pasted rows."""
    data = {
        "name": "社会保险参保信息",
        "summary": "职工和城乡居民参加社会保险的登记信息。",
        "domain": "social_security",
        "data_form": "database",
        "data_format": "Oracle",
        "update_cycle": "monthly",
        "sensitivity": "internal",
        "importance": "general",
        "security_level": "3",
        "share_type": "unconditional",
        "share_methods": ["api"],
        "open_type": "none",
        "open_basis": "涉及个人信息",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-name": "gmsfhm",
        "items-0-label": "公民身份号码",
        "items-0-item_type": "ric",
        "items-0-is_key": "on",
        "items-0-is_personal": "on",
        "items-0-security_level": "3",
        "items-0-ORDER": "2",
        "items-1-name": "cbrq",
        "items-1-label": "参保日期",
        "items-1-item_type": "date",
        "items-1-security_level": "1",
        "items-1-ORDER": "1",
        "rows": "",
        "then": "save",
    }
    data.update(overrides)
    return data


def test_a_department_compiles_an_entry_with_its_items_in_the_order_shown(city):
    client = as_person(city.analyst)
    response = client.post("/console/catalog/new/", editor_post())
    assert response.status_code == 302
    version = ResourceVersion.objects.get(name="社会保险参保信息")
    assert [i.name for i in version.items.order_by("position")] == ["cbrq", "gmsfhm"]
    assert version.status == VersionStatus.DRAFT
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "已保存为草稿" in page.content.decode()


def test_pasted_spreadsheet_rows_become_editor_rows(city):
    pasted = "信息项名称\t中文名称\t数据类型\t长度\t是否主键\nxm\t姓名\t字符型\t50\t否\nxb\t性别\t字符\t1\t否\n"
    response = as_person(city.analyst).post(
        "/console/catalog/new/", editor_post(rows=pasted, then="paste")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="items-TOTAL_FORMS" value="4"' in html.replace("\n", "")
    assert 'value="xm"' in html and 'value="姓名"' in html
    assert not Resource.objects.exists()  # pasting only fills the editor


def test_rule_breaches_show_on_the_rows_and_fields_in_chinese_and_save_nothing(city):
    data = editor_post(
        **{
            "share_type": "conditional",
            "items-1-name": "GMSFHM",
            "items-1-label": "",
        }
    )
    response = as_person(city.analyst).post("/console/catalog/new/", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "第2行" in html  # the message names the row as the editor shows it
    assert "有条件共享" in html  # the share conditions and basis are asked for
    assert not Resource.objects.exists()


def test_save_and_submit_sends_the_entry_to_review_and_the_reviewer_sees_it(city):
    response = as_person(city.analyst).post("/console/catalog/new/", editor_post(then="submit"))
    assert response.status_code == 302
    version = ResourceVersion.objects.get(name="社会保险参保信息")
    assert version.status == VersionStatus.CITY_REVIEW
    queue = as_person(city.reviewer).get("/console/catalog/review/")
    assert "社会保险参保信息" in queue.content.decode()
    home = as_person(city.reviewer).get("/console/")
    assert f"/console/catalog/versions/{version.pk}/" in home.content.decode()


def test_a_reviewer_returns_an_entry_and_the_compiler_reads_the_reasons(city):
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department)
    services.check_submit_version(actor=compiler, version=version)
    client = as_person(city.reviewer)
    empty = client.post(f"/console/catalog/versions/{version.pk}/reject/", {"comment": ""})
    assert empty.status_code == 422
    assert ResourceVersion.objects.get(pk=version.pk).status == VersionStatus.CITY_REVIEW
    client.post(f"/console/catalog/versions/{version.pk}/reject/", {"comment": "缺少更新周期说明"})
    editor = as_person(city.analyst).get(f"/console/catalog/versions/{version.pk}/edit/")
    assert editor.status_code == 200
    assert "缺少更新周期说明" in editor.content.decode()


def test_another_department_cannot_open_a_draft_or_act_on_it(city):
    version = compile_entry(city.actor(city.analyst), city.department)
    client = as_person(city.outsider)
    assert client.get(f"/console/catalog/versions/{version.pk}/").status_code == 404
    assert client.get(f"/console/catalog/versions/{version.pk}/edit/").status_code == 404
    assert client.post(f"/console/catalog/versions/{version.pk}/submit/", {}).status_code == 404
    assert ResourceVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


def test_a_stale_edit_form_is_refused_with_a_message(city):
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department)
    stale_seq = version.edit_seq
    services.check_update_version(
        actor=compiler, version=version, edit_seq=stale_seq, entry=services.entry_of(version)
    )
    response = as_person(city.analyst).post(
        f"/console/catalog/versions/{version.pk}/edit/", editor_post(edit_seq=str(stale_seq))
    )
    assert response.status_code == 409
    assert "请重新" in response.content.decode() or "先修改" in response.content.decode()


def test_the_overview_counts_entries_by_department_and_state(city):
    compiler = city.actor(city.analyst)
    publish(
        compile_entry(compiler, city.department),
        compiler=compiler,
        reviewers=[city.actor(city.reviewer)],
    )
    compile_entry(compiler, city.department, name="草稿条目")
    page = as_person(city.authority_admin).get("/console/catalog/overview/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "示范市民政局" in html
    assert as_person(city.analyst).get("/console/catalog/overview/").status_code == 404


def test_the_compare_page_shows_what_changed(city):
    compiler = city.actor(city.analyst)
    first = publish(
        compile_entry(compiler, city.department),
        compiler=compiler,
        reviewers=[city.actor(city.reviewer)],
    )
    revision = services.check_start_revision(
        actor=compiler, resource=first.resource, reason="调整名称"
    )
    entry = services.entry_of(revision) | {"name": "婚姻登记业务信息"}
    services.check_update_version(
        actor=compiler, version=revision, edit_seq=revision.edit_seq, entry=entry
    )
    page = as_person(city.analyst).get(
        f"/console/catalog/resources/{first.resource_id}/compare/?old=1&new=2"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "婚姻登记业务信息" in html and "调整名称" in html


@given(st.text(max_size=2000))
def test_pasted_text_never_breaks_the_parser(text):
    rows = parse_item_rows(text)
    assert len(rows) <= len(text.splitlines()) + 1
    assert all(isinstance(r, dict) for r in rows)


def test_pasted_yes_and_no_are_understood():
    rows = parse_item_rows("a\t甲\tstring\t\t是\t否\tY\nb\t乙\tstring\t\t否\t1\t")
    assert [(r["is_key"], r["is_required"], r["is_personal"]) for r in rows] == [
        (True, False, True),
        (False, True, False),
    ]


def test_pasted_rows_understand_chinese_types_and_headers():
    rows = parse_item_rows(
        "字段名\t类型\t中文名\nxm\t字符型\t姓名\ncsrq\t日期\t出生日期\nsfzh\t公民身份号码\t身份证"
    )
    assert [(r["name"], r["item_type"], r["label"]) for r in rows] == [
        ("xm", ItemType.STRING, "姓名"),
        ("csrq", ItemType.DATE, "出生日期"),
        ("sfzh", ItemType.RIC, "身份证"),
    ]


def test_the_entry_list_pages_keep_the_view_and_filter(city):
    compiler = city.actor(city.analyst)
    for n in range(52):
        compile_entry(compiler, city.department, name=f"台账{n:02d}", items_=[])
    client = as_person(city.analyst)
    first = client.get("/console/catalog/?view=mine&q=台账").content.decode()
    assert "view=mine&amp;q=%E5%8F%B0%E8%B4%A6&amp;page=2" in first
    second = client.get("/console/catalog/?view=mine&q=台账&page=2").content.decode()
    assert "台账51" in second and "台账00" not in second


def test_the_resource_catalog_is_searched_in_chinese_best_first(city):
    compiler = city.actor(city.analyst)
    reviewer = city.actor(city.reviewer)
    for name in ("流动人口登记信息", "人口基础信息", "婚姻登记信息"):
        publish(
            compile_entry(compiler, city.department, name=name),
            compiler=compiler,
            reviewers=[reviewer],
        )
    compile_entry(compiler, city.department, name="人口草稿信息")  # a draft is never found
    html = as_person(city.outsider).get("/console/catalog/?view=catalog&q=人口").content.decode()
    assert html.index("人口基础信息") < html.index("流动人口登记信息")
    assert "婚姻登记信息" not in html and "人口草稿信息" not in html


def test_zombie_flags_show_on_the_overview_and_to_the_provider(city):
    from govdata.catalog.models import ZombieFlag

    compiler = city.actor(city.analyst)
    live = publish(
        compile_entry(compiler, city.department),
        compiler=compiler,
        reviewers=[city.actor(city.reviewer)],
    )
    ZombieFlag.objects.create(
        resource=live.resource, rule="stale_data", reason="数据已超过更新周期 40 天"
    )
    overview = as_person(city.authority_admin).get("/console/catalog/overview/").content.decode()
    assert "数据已超过更新周期 40 天" in overview and "数据超过更新周期" in overview
    title = overview[overview.index("<title>") : overview.index("</title>")]
    assert "<" not in title[len("<title>") :] and overview.count('id="zombie-title"') == 1
    url = f"/console/catalog/resources/{live.resource_id}/"
    assert "已被标记为僵尸目录" in as_person(city.analyst).get(url).content.decode()
    assert "已被标记为僵尸目录" not in as_person(city.outsider).get(url).content.decode()


def test_who_compiles_nothing_starts_from_the_resource_catalog(city):
    compiler = city.actor(city.analyst)
    publish(
        compile_entry(compiler, city.department),
        compiler=compiler,
        reviewers=[city.actor(city.reviewer)],
    )
    reviewer_page = as_person(city.reviewer).get("/console/catalog/").content.decode()
    assert "婚姻登记信息" in reviewer_page
    assert "编制新目录条目" not in reviewer_page
    assert "编制新目录条目" in as_person(city.analyst).get("/console/catalog/").content.decode()


def test_the_admin_reads_the_catalog_but_never_changes_it(city):
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department)
    client = as_person(city.admin)
    assert client.get("/admin/catalog/resourceversion/").status_code == 200
    page = client.get(f"/admin/catalog/resourceversion/{version.pk}/change/")
    assert page.status_code == 200 and "gmsfhm" in page.content.decode()
    assert client.get("/admin/catalog/resource/add/").status_code == 403
    client.post(f"/admin/catalog/resourceversion/{version.pk}/delete/", {"post": "yes"})
    assert ResourceVersion.objects.filter(pk=version.pk).exists()
