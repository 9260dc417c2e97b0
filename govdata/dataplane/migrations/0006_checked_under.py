from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dataplane", "0005_text_collation")]

    operations = [
        migrations.AddField(
            model_name="resourcetable",
            name="checked_under",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
