"""The archive's background tasks, written against django.tasks alone: whichever backend
TASKS configures runs them (`manage.py worker`)."""

from django.tasks import task

from . import imports


@task
def run_import_job(job_id: int) -> str:
    """Run an import job (archive.imports.run_import); its status when it ends."""
    return imports.run_import(job_id)
