from django.db import migrations, models

import reviews.models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_policy_complaints_threshold"),
    ]

    operations = [
        migrations.AddField(
            model_name="checklistanswer",
            name="evidence_file",
            field=models.FileField(
                blank=True, max_length=255, upload_to=reviews.models.evidence_file_path
            ),
        ),
        migrations.AddField(
            model_name="checklistanswer",
            name="evidence_file_name",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="checklistanswer",
            name="evidence_file_type",
            field=models.CharField(blank=True, max_length=128),
        ),
        migrations.AddField(
            model_name="checklistanswer",
            name="evidence_file_size",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="checklistanswer",
            name="evidence_file_sha256",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
