"""Issue 13.7 and 13.8: downloads stay on allowed hosts, within a size and a deadline, and local
sources are regular files under the registry's folder or an allowed root.

Every server is a real one on loopback (:class:`GovernmentWeb`); the gzip bomb is fetched in a child
process whose address space is capped (``RLIMIT_AS``), and which reports its own peak memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

from juesuan.errors import DocumentError
from juesuan.flows import fetch as fetch_module
from juesuan.flows.fetch import (
    Fetcher,
    FetchError,
    FetchPolicy,
    address_kind,
    read_local_file,
)
from juesuan.flows.pipeline import run_registry
from juesuan.registry import Report, load_registry
from juesuan.settings import Settings
from juesuan.simulate.web import GovernmentWeb

BODY = "2023年度部门决算公开\n某市社会保险中心\n".encode() * 40
MB = 1024 * 1024


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for name in ("ok", "hop", "meta", "file", "ftp", "big", "bomb", "slow", "chain"):
        (root / name).mkdir(parents=True)
        (root / name / "2023.txt").write_bytes(BODY)
    return root


def report_at(url: str) -> Report:
    return Report(unit_id="mou-sic", year=2023, url=url, format="txt")


# --- redirects --------------------------------------------------------------------------------------------
def test_a_redirect_may_not_leave_for_a_link_local_file_or_ftp_address(site: Path) -> None:
    redirects = {
        "/meta/2023.txt": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "/file/2023.txt": "file:///etc/passwd",
        "/ftp/2023.txt": "ftp://127.0.0.1/2023.txt",
        "/hop/2023.txt": "/ok/2023.txt",
    }
    fetcher = Fetcher(FetchPolicy(timeout=2, delay=0))
    with GovernmentWeb(site, redirects=redirects, max_lifetime=60) as web:
        followed = fetcher.fetch(report_at(f"{web.base_url}/hop/2023.txt"))
        assert followed.data == BODY and followed.url == f"{web.base_url}/ok/2023.txt"  # the final URL is kept
        for name, why in (("meta", "169.254.169.254, a link-local address"), ("file", "only http(s)"),
                          ("ftp", "only http(s)")):  # fmt: skip
            with pytest.raises(FetchError) as caught:
                fetcher.fetch(report_at(f"{web.base_url}/{name}/2023.txt"))
            assert caught.value.kind == "refused" and not caught.value.retryable
            assert why in caught.value.reason
    fetcher.close()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", "public"),
        ("2001:4860:4860::8888", "public"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.0.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "reserved"),
        ("224.0.0.1", "reserved"),
    ],
)
def test_address_kinds(address: str, kind: str) -> None:
    assert address_kind(address) == kind


def test_a_public_report_may_reach_no_loopback_address_even_when_connecting(site: Path) -> None:
    """The check at connect time (after any DNS answer): a download from a public host never opens a
    connection to loopback, whatever the URL said."""
    with GovernmentWeb(site, max_lifetime=60) as web:
        port = int(web.base_url.rsplit(":", 1)[1])
        backend = fetch_module._GuardedBackend()
        fetch_module._GUARDS.current = fetch_module._Guard(allowed=frozenset({"public"}), deadline=time.monotonic() + 5)
        try:
            with pytest.raises(fetch_module._Refused, match=r"127\.0\.0\.1, a loopback address"):
                backend.connect_tcp("127.0.0.1", port)
        finally:
            fetch_module._GUARDS.current = None
        with pytest.raises(fetch_module._Refused, match="outside a download"):
            backend.connect_tcp("127.0.0.1", port)


# --- size -------------------------------------------------------------------------------------------------
def test_a_body_over_the_limit_is_refused_by_its_declared_size(site: Path) -> None:
    (site / "big" / "2023.txt").write_bytes(b"x" * (2 * MB))
    fetcher = Fetcher(FetchPolicy(timeout=2, delay=0, max_bytes=1 * MB))
    with GovernmentWeb(site, max_lifetime=60) as web:
        with pytest.raises(FetchError) as caught:
            fetcher.fetch(report_at(f"{web.base_url}/big/2023.txt"))
    assert caught.value.kind == "too-large" and "declares 2,097,152 bytes" in caught.value.reason
    assert "limit of 1 MB (JUESUAN_MAX_DOCUMENT_MB)" in caught.value.reason
    fetcher.close()


def gzip_bomb(path: Path, size: int) -> None:
    """``size`` zero bytes gzip-compressed (about size/1000 bytes on disk)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MB)
    with path.open("wb") as out:
        for _ in range(size // MB):
            out.write(compressor.compress(zeros))
        out.write(compressor.flush())


BOMB_SCRIPT = """
import resource, sys
from juesuan.flows.fetch import Fetcher, FetchError, FetchPolicy
from juesuan.registry import Report
fetcher = Fetcher(FetchPolicy(timeout=10, delay=0))
try:
    fetched = fetcher.fetch(Report(unit_id="mou-sic", year=2023, url=sys.argv[1], format="txt"))
    print("fetched", len(fetched.data or b""))
except FetchError as exc:
    print("refused", exc.kind, exc.reason)
except MemoryError:
    print("memory error")
print("peak", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""
MEMORY_CAP = 1536 * MB


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def test_a_gzip_bomb_is_cut_off_at_the_limit_under_a_memory_cap(site: Path) -> None:
    gzip_bomb(site / "bomb" / "2023.txt", 512 * MB)  # 512 MiB of zeros, about 0.5 MB on the wire
    assert (site / "bomb" / "2023.txt").stat().st_size < 1 * MB
    with GovernmentWeb(site, encodings={"/bomb/2023.txt": "gzip"}, max_lifetime=120) as web:
        result = subprocess.run(
            [sys.executable, "-c", BOMB_SCRIPT, f"{web.base_url}/bomb/2023.txt"],
            capture_output=True,
            text=True,
            timeout=180,
            preexec_fn=_capped,
        )
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert lines.get("refused", "").startswith("too-large"), result.stdout + result.stderr
    assert "decodes to more than 104,857,600 bytes" in lines["refused"]
    assert int(lines["peak"]) < 600  # MB: the default limit (100 MB) plus the interpreter, never the gigabyte


def test_content_encodings_other_than_gzip_and_deflate_are_refused(site: Path) -> None:
    (site / "bomb" / "2023.txt").write_bytes(b"\x1b\x00\x00")
    fetcher = Fetcher(FetchPolicy(timeout=2, delay=0))
    with GovernmentWeb(site, encodings={"/bomb/2023.txt": "br"}, max_lifetime=60) as web:
        with pytest.raises(FetchError, match="Content-Encoding 'br'"):
            fetcher.fetch(report_at(f"{web.base_url}/bomb/2023.txt"))
    fetcher.close()


def test_a_small_gzip_body_still_arrives_decoded(site: Path) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    (site / "bomb" / "2023.txt").write_bytes(compressor.compress(BODY) + compressor.flush())
    fetcher = Fetcher(FetchPolicy(timeout=2, delay=0))
    with GovernmentWeb(site, encodings={"/bomb/2023.txt": "gzip"}, max_lifetime=60) as web:
        assert fetcher.fetch(report_at(f"{web.base_url}/bomb/2023.txt")).data == BODY
    fetcher.close()


# --- time -------------------------------------------------------------------------------------------------
def test_a_trickling_server_is_cut_off_at_the_download_deadline(site: Path) -> None:
    fetcher = Fetcher(FetchPolicy(timeout=1.0, delay=0, deadline=1.5))
    with GovernmentWeb(site, trickle={"/slow/2023.txt": 0.05}, max_lifetime=60) as web:
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            fetcher.fetch(report_at(f"{web.base_url}/slow/2023.txt"))  # every read within 1 s; 70 s in all
        elapsed = time.monotonic() - started
    assert caught.value.kind == "timeout" and "deadline of 1.5 s" in caught.value.reason
    assert 1.4 <= elapsed < 3.0
    fetcher.close()


def test_the_deadline_bounds_a_single_blocked_read_too(site: Path) -> None:
    fetcher = Fetcher(FetchPolicy(timeout=30, delay=0, deadline=1.0))
    with GovernmentWeb(site, {"/ok/2023.txt": "timeout"}, hang_seconds=10, max_lifetime=60) as web:
        started = time.monotonic()
        with pytest.raises(FetchError, match="deadline of 1 s"):
            fetcher.fetch(report_at(f"{web.base_url}/ok/2023.txt"))
        assert time.monotonic() - started < 2.5
    fetcher.close()


def test_per_host_limit_and_deadline_do_not_mix_threads(site: Path) -> None:
    """Each download carries its own deadline: a slow one in another thread does not cut a quick one."""
    fetcher = Fetcher(FetchPolicy(timeout=5, delay=0, deadline=1.0, per_host=4))
    results: dict[str, object] = {}
    with GovernmentWeb(site, trickle={"/slow/2023.txt": 0.05}, max_lifetime=60) as web:

        def slow() -> None:
            try:
                fetcher.fetch(report_at(f"{web.base_url}/slow/2023.txt"))
            except FetchError as exc:
                results["slow"] = exc.kind

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.8)
        results["quick"] = fetcher.fetch(report_at(f"{web.base_url}/ok/2023.txt")).data
        thread.join()
    assert results == {"slow": "timeout", "quick": BODY}
    fetcher.close()


# --- local sources -----------------------------------------------------------------------------------------
UNIT = """
[[unit]]
id = "{id}"
name = "某市社会保险中心"
province = "山西省"
city = "某市"
level = "市级"

[[unit.report]]
year = 2023
url = "{url}"
"""


def test_local_sources_outside_the_registry_folder_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    (folder / "reports").mkdir(parents=True)
    (folder / "reports" / "2023.txt").write_bytes(BODY)
    (tmp_path / "outside.txt").write_bytes(BODY)
    os.symlink("/etc/passwd", folder / "reports" / "link.txt")
    os.mkfifo(folder / "reports" / "pipe.txt")
    sources = {
        "good-sic": ("reports/2023.txt", None),
        "environ-sic": ("/proc/self/environ", "is outside the folders reports may be read from"),
        "passwd-sic": ("file:///etc/passwd", "is outside the folders reports may be read from"),
        "zero-sic": ("/dev/zero", "is outside the folders reports may be read from"),
        "outside-sic": ("../outside.txt", "is outside the folders reports may be read from"),
        "link-sic": ("reports/link.txt", "/etc/passwd is outside the folders"),
        "pipe-sic": ("reports/pipe.txt", "not a regular file"),
    }
    text = "".join(UNIT.format(id=unit, url=url) for unit, (url, _) in sources.items())
    (folder / "units.toml").write_text(text, encoding="utf-8")
    settings = Settings(registry=folder / "units.toml", data_dir=tmp_path / "data", lake=tmp_path / "data" / "lake",
                        warehouse=tmp_path / "data" / "w.duckdb", raw_store=tmp_path / "data" / "raw")  # fmt: skip
    os.environ["JUESUAN_SECRET_PROBE"] = "probe-5ecret"  # not in /proc/self/environ of this process, but a child's
    try:
        summary = run_registry(settings, build=False)
    finally:
        del os.environ["JUESUAN_SECRET_PROBE"]
    outcomes = {o.unit_id: o for o in summary.outcomes}
    for unit, (_, reason) in sources.items():
        if reason is None:  # read and judged on its content (it is no real report)
            assert "no standard table" in (outcomes[unit].error or ""), outcomes[unit].error
        else:
            assert outcomes[unit].status == "quarantined" and reason in (outcomes[unit].error or ""), unit
    stored = b"".join(p.read_bytes() for p in (tmp_path / "data" / "raw").rglob("*") if p.is_file())
    assert b"root:" not in stored and b"PATH=" not in stored
    assert len([p for p in (tmp_path / "data" / "raw").rglob("*") if p.is_file()]) == 1  # the good report only


def test_an_allowed_root_admits_a_folder_beside_the_registry(tmp_path: Path) -> None:
    (tmp_path / "registry").mkdir()
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "2023.txt").write_bytes(BODY)
    (tmp_path / "registry" / "units.toml").write_text(UNIT.format(id="mou-sic", url="../corpus/2023.txt"), "utf-8")
    report = load_registry(tmp_path / "registry" / "units.toml").reports()[0]
    refused = Fetcher(FetchPolicy(local_roots=(str(tmp_path / "registry"),)))
    with pytest.raises(DocumentError, match="outside the folders"):
        refused.fetch(report)
    allowed = Fetcher(FetchPolicy(local_roots=(str(tmp_path / "registry"), str(tmp_path / "corpus"))))
    assert allowed.fetch(report).data == BODY
    env = {
        "JUESUAN_REGISTRY": str(tmp_path / "registry" / "units.toml"),
        "JUESUAN_LOCAL_ROOTS": str(tmp_path / "corpus"),
    }
    assert Settings.from_env(env).local_roots == (tmp_path / "corpus",)


def test_a_local_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(3 * MB)  # sparse: costs no disk
    with pytest.raises(
        DocumentError, match=r"the document is 3\.0 MB, above the limit of 1 MB \(JUESUAN_MAX_DOCUMENT_MB\)"
    ):
        read_local_file(big, [tmp_path], 1 * MB)
    with pytest.raises(DocumentError, match="not a regular file"):
        read_local_file(Path("/dev/zero"), ["/dev"], 1 * MB)
