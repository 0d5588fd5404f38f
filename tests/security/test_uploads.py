"""Regression (issue 21, item 1): uploads of any size up to CLAIMDESK_IMPORT_MAX_BYTES reach
the import folder, through the API and the "Add article" page alike — Django keeps the
larger ones in a temporary file, which it deletes itself; an upload over the limit is
refused naming it; a refused or failed upload leaves nothing behind; and the folders an
import no longer needs are cleaned up."""

import io
import os
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from archive import imports
from archive.management.commands import worker
from archive.models import Article, ImportJob

pytestmark = pytest.mark.django_db

MiB = 2**20


def big_text(size: int) -> bytes:
    line = "Le Kirghizistan a annulé les exercices conjoints de l’OTSC au dernier moment.\n"
    body = (line * (size // len(line.encode()) + 1)).encode()[:size]
    return b"Un long article\n" + body.rsplit(b"\n", 1)[0] + b"\n"


def left_behind(settings) -> list[str]:
    root = settings.CLAIMDESK_IMPORT_DIR
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def post_files(client, *files, **fields):
    return client.post("/api/imports/", {"file": list(files), **fields}, format="multipart")


# Any size up to the limit


def test_an_upload_larger_than_django_keeps_in_memory_is_archived_through_the_api(
    as_user, alice_journalist, run_jobs, settings
):
    data = big_text(3 * MiB)  # Django spools uploads over 2.5 MiB to a temporary file
    client = as_user(alice_journalist)

    response = run_jobs(
        lambda: post_files(client, SimpleUploadedFile("long.txt", data), language="fr")
    )

    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert (job.status, job.done, job.failed) == ("succeeded", 1, 0)
    assert Article.objects.get().captures.get().text.startswith("Le Kirghizistan a annulé")
    assert left_behind(settings) == []


def test_an_upload_spooled_to_disk_waits_whole_in_the_import_folder(
    client, alice_journalist, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = big_text(50_000)
    client.force_login(alice_journalist)

    response = client.post("/articles/add/", {"file": SimpleUploadedFile("long.txt", data)})

    assert response.status_code == 302
    job = ImportJob.objects.get()
    [entry] = job.inputs
    assert (settings.CLAIMDESK_IMPORT_DIR / entry["path"]).read_bytes() == data


class ChunksOnly:
    """An upload that can only be read in chunks (as a 512 MiB one should be)."""

    def __init__(self, name: str, data: bytes):
        self.name, self.size, self.data = name, len(data), data

    def chunks(self, chunk_size=64 * 1024):
        for start in range(0, self.size, chunk_size):
            yield self.data[start : start + chunk_size]


def test_save_upload_streams_the_file_in_chunks(settings):
    data = big_text(300_000)

    entry = imports.save_upload(ChunksOnly("a.txt", data))

    assert (settings.CLAIMDESK_IMPORT_DIR / entry["path"]).read_bytes() == data


def test_an_upload_longer_than_it_said_is_cut_off_at_the_limit(settings, small_limit):
    upload = ChunksOnly("a.txt", big_text(30_000))
    upload.size = 100  # what a handler reported; the bytes say otherwise

    with pytest.raises(imports.ImportTooLarge, match="10,000-byte limit"):
        imports.save_upload(upload)

    assert left_behind(settings) == []


# Over the limit


@pytest.fixture
def small_limit(settings):
    settings.CLAIMDESK_IMPORT_MAX_BYTES = 10_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # on disk, as large uploads are


def test_an_upload_over_the_limit_is_a_413_naming_the_limit(
    as_user, alice_journalist, settings, small_limit
):
    response = post_files(
        as_user(alice_journalist), SimpleUploadedFile("big.txt", big_text(20_000))
    )

    assert response.status_code == 413
    assert response.json()["detail"] == (
        "“big.txt” is larger than the 10,000-byte limit of one import "
        "(CLAIMDESK_IMPORT_MAX_BYTES); split it into several files."
    )
    assert not ImportJob.objects.exists()
    assert left_behind(settings) == []


def test_one_upload_over_the_limit_leaves_none_of_the_others_behind(
    as_user, alice_journalist, settings, small_limit
):
    response = post_files(
        as_user(alice_journalist),
        SimpleUploadedFile("small.txt", big_text(5_000)),
        SimpleUploadedFile("big.txt", big_text(20_000)),
    )

    assert response.status_code == 413
    assert left_behind(settings) == []


def test_an_upload_over_the_limit_is_a_form_error_on_the_page(
    client, alice_journalist, settings, small_limit
):
    client.force_login(alice_journalist)

    response = client.post(
        "/articles/add/", {"file": SimpleUploadedFile("big.txt", big_text(20_000))}
    )

    assert response.status_code == 200
    assert "is larger than the 10,000-byte limit of one import" in response.text
    assert "CLAIMDESK_IMPORT_MAX_BYTES" in response.text
    assert not ImportJob.objects.exists()
    assert left_behind(settings) == []


# Refused or failed: nothing left behind


def test_a_user_without_a_role_leaves_no_file_behind(as_user, rita_reader, settings):
    response = post_files(as_user(rita_reader), SimpleUploadedFile("a.txt", big_text(5_000)))

    assert response.status_code == 403
    assert left_behind(settings) == []


def test_an_import_that_fails_after_saving_leaves_no_file_behind(
    as_user, client, alice_journalist, settings, monkeypatch
):
    def refuse(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(imports, "create_import", refuse)
    api = as_user(alice_journalist)
    client.force_login(alice_journalist)

    with pytest.raises(RuntimeError):
        post_files(api, SimpleUploadedFile("a.txt", big_text(5_000)))
    with pytest.raises(RuntimeError):
        client.post("/articles/add/", {"file": SimpleUploadedFile("b.txt", big_text(5_000))})

    assert left_behind(settings) == []


# Orphaned upload folders


def make_folder(settings, name: str, *, age: float) -> str:
    folder = settings.CLAIMDESK_IMPORT_DIR / name
    folder.mkdir()
    (folder / "a.txt").write_text("Titre\nTexte.")
    moment = time.time() - age
    for path in (folder / "a.txt", folder):
        os.utime(path, (moment, moment))
    return name


@pytest.fixture
def folders(settings, alice_journalist):
    hour = 3600
    names = {
        "queued": make_folder(settings, "a" * 32, age=2 * hour),
        "running": make_folder(settings, "b" * 32, age=2 * hour),
        "finished": make_folder(settings, "c" * 32, age=2 * hour),
        "orphan": make_folder(settings, "d" * 32, age=2 * hour),
        "recent": make_folder(settings, "e" * 32, age=60),
        "not ours": make_folder(settings, "notes", age=2 * hour),
    }
    for status, name in (("queued", "queued"), ("running", "running"), ("failed", "finished")):
        ImportJob.objects.create(
            created_by=alice_journalist,
            created_by_name="alice_journalist",
            status=status,
            inputs=[{"path": f"{names[name]}/a.txt", "name": "a.txt", "upload": True}],
        )
    return names


def test_orphaned_upload_folders_are_removed_after_the_grace_period(settings, folders):
    removed = imports.remove_orphaned_uploads()

    assert sorted(removed) == sorted([folders["finished"], folders["orphan"]])
    assert left_behind(settings) == sorted(
        [
            *(f"{folders[k]}" for k in ("queued", "running", "recent", "not ours")),
            *(f"{folders[k]}/a.txt" for k in ("queued", "running", "recent", "not ours")),
        ]
    )


def test_the_grace_period_is_a_setting(settings, folders):
    settings.CLAIMDESK_IMPORT_ORPHAN_AFTER = 30

    removed = imports.remove_orphaned_uploads()

    assert folders["recent"] in removed
    assert folders["queued"] not in removed


def test_the_clean_up_command_lists_what_it_removed(settings, folders):
    out = io.StringIO()

    call_command("clean_import_uploads", stdout=out)

    assert out.getvalue().splitlines() == [
        *sorted(f"removed {folders[k]}" for k in ("finished", "orphan")),
        "2 orphaned upload folder(s) removed.",
    ]


def test_the_worker_cleans_up_as_it_looks_for_stale_imports(monkeypatch):
    calls = []
    monkeypatch.setattr(worker, "recover_stale_imports", lambda: calls.append("recover"))
    monkeypatch.setattr(worker, "remove_orphaned_uploads", lambda: calls.append("clean"))
    stop = threading.Event()
    thread = threading.Thread(target=worker.recover_forever, args=(stop, 0.01))
    thread.start()
    while len(calls) < 4:
        time.sleep(0.01)
    stop.set()
    thread.join()
    assert calls[:4] == ["recover", "clean", "recover", "clean"]


def test_a_request_s_files_share_one_folder_and_a_repeated_name_is_kept_apart(
    settings, alice_journalist
):
    uploads = [
        SimpleUploadedFile("a.txt", b"Premier\n\nUn."),
        SimpleUploadedFile("b.txt", b"Second\n\nDeux."),
        SimpleUploadedFile("a.txt", b"Troisieme\n\nTrois."),
    ]

    job = imports.create_upload_import(actor=alice_journalist, uploads=uploads)

    paths = [entry["path"] for entry in job.inputs]
    assert len({path.split("/")[0] for path in paths}) == 1  # one folder for the request
    assert [path.rsplit("/", 1)[1] for path in paths] == ["a.txt", "b.txt", "a.txt"]
    assert len(set(paths)) == 3
    contents = [(settings.CLAIMDESK_IMPORT_DIR / path).read_bytes() for path in paths]
    assert contents == [upload.file.getvalue() for upload in uploads]

    imports.remove_uploads(job)
    assert left_behind(settings) == []
