"""The real process in a hostile environment: closed or full streams, odd encodings, signals,
FIFOs and devices where files were expected, an unwritable ``$GITHUB_STEP_SUMMARY``.

Every case runs ``python -m safeplan`` as a subprocess (these promises are about the
process: its descriptors, its signal handlers, its exit status), with a timeout so that a
hang fails the test instead of blocking the suite. Each ends with one line naming the
cause — never a traceback, never "internal error".
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX descriptors and signals")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux devices")


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    """A copy of the bundled plan; returns its indicators.yaml."""
    shutil.copy(ROOT / "indicators.yaml", tmp_path / "indicators.yaml")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path / "indicators.yaml"


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "LANG")}
    return {**base, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", **extra}


def safeplan(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """``python -m safeplan ARGS``, bytes out, with a timeout."""
    options: dict[str, object] = {
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "timeout": TIMEOUT,
        "env": env(),
    }
    options.update(kwargs)
    return subprocess.run([sys.executable, "-m", "safeplan", *args], check=False, **options)  # type: ignore[call-overload]


def clean(stderr: bytes) -> str:
    """stderr as text, after asserting it has no traceback and is one message."""
    text = stderr.decode("utf-8")
    assert "Traceback" not in text and "internal error" not in text and "内部错误" not in text
    return text


# --------------------------------------------------------------------------- standard output


@posix_only
@pytest.mark.parametrize("command", [["check", "2024"], ["validate"], ["gap"]])
def test_closed_stdout_is_a_one_line_error(plan: Path, command: list[str]) -> None:
    script = 'exec "$0" -m safeplan "$@" >&-'
    done = subprocess.run(
        ["sh", "-c", script, sys.executable, *command, "--config", str(plan)],
        capture_output=True,
        timeout=TIMEOUT,
        env=env(),
        check=False,
    )
    assert done.returncode == 2
    assert "错误：无法写入标准输出：标准输出已关闭" in clean(done.stderr)


@linux_only
def test_full_disk_on_stdout_names_the_cause(plan: Path) -> None:
    if not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full device")
    for fmt in ("table", "json"):
        with open("/dev/full", "wb") as full:
            done = safeplan("check", "2024", "-f", fmt, "--config", str(plan), stdout=full)
        assert done.returncode == 2
        assert "错误：无法写入标准输出：设备上没有空间" in clean(done.stderr)


def test_ascii_stdout_still_gets_utf8(plan: Path) -> None:
    done = safeplan("check", "2024", "--config", str(plan), env=env(PYTHONIOENCODING="ascii"))
    assert done.returncode == 1
    assert "控制指标" in done.stdout.decode("utf-8")
    clean(done.stderr)
    refused = safeplan("check", "2030", "--config", str(plan), env=env(PYTHONIOENCODING="ascii"))
    assert refused.returncode == 2
    assert clean(refused.stderr).startswith("错误：")


def test_broken_pipe_ends_quietly(plan: Path) -> None:
    command = [sys.executable, "-m", "safeplan", "gap", "--config", str(plan)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env()) as p:
        assert p.stdout is not None and p.stderr is not None
        p.stdout.read(10)
        p.stdout.close()
        stderr = p.stderr.read()
        assert p.wait(timeout=TIMEOUT) in (0, 1)
    assert clean(stderr) == ""


# --------------------------------------------------------------------------- GITHUB_STEP_SUMMARY


def test_step_summary_in_a_missing_directory_warns_and_keeps_the_exit_code(
    plan: Path, tmp_path: Path
) -> None:
    summary = tmp_path / "missing" / "summary.md"
    done = safeplan(
        "validate", "--format", "github", "--config", str(plan),
        env=env(GITHUB_STEP_SUMMARY=str(summary)),
    )  # fmt: skip
    assert done.returncode == 0
    stderr = clean(done.stderr)
    assert stderr.startswith("警告：") and "GITHUB_STEP_SUMMARY" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not summary.parent.exists()


@pytest.mark.parametrize("target", ["data/gdp.csv", "indicators.yaml"])
def test_step_summary_pointing_at_a_plan_input_is_not_written(plan: Path, target: str) -> None:
    path = plan.parent / target
    before = path.read_bytes()
    done = safeplan(
        "validate", "--format", "github", "--config", str(plan),
        env=env(GITHUB_STEP_SUMMARY=str(path)),
    )  # fmt: skip
    assert done.returncode == 0
    assert path.read_bytes() == before
    assert "GITHUB_STEP_SUMMARY" in clean(done.stderr)


# --------------------------------------------------------------------------- FIFOs and devices


@posix_only
def test_output_to_a_fifo_is_refused_and_the_fifo_kept(plan: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    done = safeplan("check", "2024", "--config", str(plan), "--output", str(fifo))
    assert done.returncode == 2
    assert "命名管道" in clean(done.stderr)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@posix_only
def test_chart_named_like_a_fifo_is_refused_without_waiting(plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "charts"
    out.mkdir()
    os.mkfifo(out / "deaths.svg")
    done = safeplan("chart", "--config", str(plan), "--output", str(out))
    assert done.returncode == 2
    assert "命名管道" in clean(done.stderr)
    assert stat.S_ISFIFO(os.lstat(out / "deaths.svg").st_mode)


@posix_only
def test_plan_file_that_is_a_fifo_is_a_config_error_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "indicators.yaml"
    os.mkfifo(fifo)
    done = safeplan("check", "2024", "--config", str(fifo))
    assert done.returncode == 2
    assert "不是普通文件" in clean(done.stderr)


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@linux_only
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/stdin", "/proc/self/mem"])
def test_plan_file_that_is_a_device_is_a_config_error(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    done = safeplan("validate", "--config", device, stdin=subprocess.PIPE, preexec_fn=_limit_memory)
    assert done.returncode == 2
    stderr = clean(done.stderr)
    assert stderr.startswith("错误：") and device.rsplit("/", 1)[-1] in stderr


# --------------------------------------------------------------------------- signals

SLOW_WRITE = """
import os, sys, time
def slow(fd):
    sys.stderr.write("WRITING\\n")
    sys.stderr.flush()
    time.sleep(60)
os.fsync = slow
from safeplan.cli import main
sys.argv = ["safeplan", *sys.argv[1:]]
main()
"""


@posix_only
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_signal_during_output_keeps_the_old_file_and_no_temporary(
    plan: Path, tmp_path: Path, signame: str
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "report.json"
    target.write_text("old report\n", encoding="utf-8")
    number = getattr(signal, signame)
    args = ["check", "2024", "-f", "json", "--config", str(plan), "--output", str(target)]
    with subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
    ) as child:
        assert child.stderr is not None
        deadline = time.monotonic() + TIMEOUT
        line = b""
        while b"WRITING" not in line and time.monotonic() < deadline:
            line = child.stderr.readline()
            assert line, "the child ended before writing"
        child.send_signal(number)
        code = child.wait(timeout=TIMEOUT)
        stderr = child.stderr.read()
    assert code == 128 + number
    clean(stderr)
    assert target.read_text(encoding="utf-8") == "old report\n"
    assert sorted(p.name for p in out_dir.iterdir()) == ["report.json"]
