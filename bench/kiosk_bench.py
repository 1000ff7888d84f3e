#!/usr/bin/env python3
"""kiosk_bench.py -- amends-kiosk against a Chromium browser kiosk, in one run.

Measures, on this machine and in this run:
  1. start to first frame saved, headless (median of 7): amends-kiosk with a
     one-line `shot` script vs `chromium --headless --screenshot` of
     bench/kiosk_attract.html at 1280x800, each with a fresh profile;
  2. peak RSS: amends through a whole journey (every screen, software
     renderer, headless), and in a window under Xvfb with the software and
     the accelerated renderer; Chromium's process tree (RSS summed) while
     taking its screenshot and as a kiosk window;
  3. CPU over 30 s idle on the attract screen, as a window under Xvfb
     (amends: one process; Chromium: its whole process tree);
  4. frame time of every screen at 1920x1080 with the software renderer
     (bench/kiosk_frames.c), in every language the kiosk ships, median of 7
     runs per language, and kiosk_frames' peak RSS per language.
Prints a Markdown table for docs/performance.md (## Kiosk). Not a test.

With --fonts RUNS, only the frame times: kiosk_frames in every language with
the fonts mapped (now) and read from their files at each glyph load (before,
kiosk_frames' "file" mode), the two alternating, RUNS runs each; per screen
and language the median first frame of each and their ratio, wall and CPU,
and the peak RSS of each.

Usage: bench/kiosk_bench.py [--build DIR] [--idle SECONDS] [--fonts RUNS]
Needs: a build (default build/), chromium, Xvfb (not for --fonts).
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "bench", "kiosk_attract.html")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid):
    """pid and all its descendants, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except OSError:
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def run_timed(cmd, env=None, sample_tree=False):
    """Runs cmd to the end: (seconds, peak RSS of its tree in KiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if sample_tree else 0)
        if pid == proc.pid:
            break
        peak = max(peak, sum(rss_kb(p) for p in tree(proc.pid)))
        time.sleep(0.01)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"kiosk_bench: {' '.join(cmd)} exited {proc.returncode}")
    return elapsed, max(peak, usage.ru_maxrss)


def first_frame(kiosk, work):
    script = os.path.join(work, "shot.script")
    with open(script, "w") as f:
        f.write(f"shot {work}/amends-first.png\n")
    data = os.path.join(work, "data-first")
    run_timed([kiosk, "--data-dir", data, "--headless", "--script", script])  # makes the store
    amends, chrome = [], []
    for i in range(7):
        os.remove(f"{work}/amends-first.png")
        amends.append(run_timed([kiosk, "--data-dir", data, "--headless", "--script", script])[0])
        assert os.path.exists(f"{work}/amends-first.png")
        profile = tempfile.mkdtemp(prefix="chrome-", dir=work)
        shot = os.path.join(work, f"chrome-{i}.png")
        chrome.append(run_timed(["chromium", "--headless", *CHROMIUM_FLAGS,
                                 f"--user-data-dir={profile}", f"--screenshot={shot}",
                                 "--window-size=1280,800", f"file://{PAGE}"])[0])
        assert os.path.exists(shot)
    return statistics.median(amends), statistics.median(chrome)


LANGS = ["en", "es", "fr", "de", "ar", "zh"]


def journey_script(work, lang):
    """assets/demo/screens.script with the guest choosing `lang` on attract
    (its English expect-text checks left out)."""
    path = os.path.join(work, f"screens-{lang}.script")
    with open(os.path.join(ROOT, "assets", "demo", "screens.script")) as f:
        lines = f.read().splitlines()
    out, tapped = [], False
    for line in lines:
        if line.startswith("expect-text") and lang != "en":
            continue
        out.append(line)
        if line.strip() == "expect attract" and not tapped and lang != "en":
            out.append(f"tap lang.{lang}")
            tapped = True
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


def journey_rss(kiosk, work):
    """Peak RSS of the whole demo journey, per language (software renderer,
    headless), and Chromium's tree for one screenshot."""
    os.makedirs(os.path.join(work, "shots"), exist_ok=True)
    cwd = os.getcwd()
    os.chdir(os.path.join(work, "shots"))
    peak = {}
    try:
        for lang in LANGS:
            data = os.path.join(work, f"data-journey-{lang}")
            _, peak[lang] = run_timed([kiosk, "--data-dir", data, "--headless", "--script",
                                       journey_script(work, lang)])
    finally:
        os.chdir(cwd)
    profile = tempfile.mkdtemp(prefix="chrome-rss-", dir=work)
    _, chrome_peak = run_timed(["chromium", "--headless", *CHROMIUM_FLAGS,
                                f"--user-data-dir={profile}",
                                f"--screenshot={work}/chrome-rss.png", "--window-size=1280,800",
                                f"file://{PAGE}"], sample_tree=True)
    return peak, chrome_peak


class Xvfb:
    def __init__(self, display=":93"):
        self.display = display
        self.proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24",
                                      "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        time.sleep(1.0)

    def env(self):
        env = dict(os.environ, DISPLAY=self.display)
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def stop(proc):
    for p in reversed(tree(proc.pid)):
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def window_runs(kiosk, work, idle_s):
    x = Xvfb()
    try:
        results = {}
        for name, extra in (("software", []), ("accelerated", ["--accelerated"])):
            proc = subprocess.Popen([kiosk, "--windowed", "--size", "1280x800", *extra,
                                     "--data-dir", os.path.join(work, f"data-win-{name}")],
                                    env=x.env(), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(2.0)
            if proc.poll() is not None:
                sys.exit(f"kiosk_bench: amends-kiosk ({name}) did not start under Xvfb")
            rss = hwm_kb(proc.pid)
            cpu = None
            if name == "software":
                t0 = cpu_ticks([proc.pid])
                time.sleep(idle_s)
                cpu = (cpu_ticks([proc.pid]) - t0) / TICKS / idle_s * 100
            stop(proc)
            results[name] = (rss, cpu)
        profile = tempfile.mkdtemp(prefix="chrome-kiosk-", dir=work)
        proc = subprocess.Popen(["chromium", "--kiosk", *CHROMIUM_FLAGS,
                                 f"--user-data-dir={profile}", "--window-size=1280,800",
                                 f"file://{PAGE}"], env=x.env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(6.0)
        pids = tree(proc.pid)
        rss = sum(rss_kb(p) for p in pids)
        t0 = cpu_ticks(pids)
        time.sleep(idle_s)
        cpu = (cpu_ticks(pids) - t0) / TICKS / idle_s * 100
        results["chromium"] = (rss, cpu, len(pids))
        stop(proc)
        return results
    finally:
        x.close()


FRAME_RUNS = 7


def frames(build, lang, runs_wanted=FRAME_RUNS, mode=None):
    """Per screen, the median over `runs_wanted` runs of kiosk_frames in `lang`
    (each a fresh process) of: first frame, redraw median, redraw worst,
    idle preparation before it, the first frame's CPU time, lines rendered,
    measured and faces opened in it; and the worst first frame (last). Also
    the largest peak RSS of those runs (KiB). `mode`: kiosk_frames' fourth
    argument ("file": fonts read from their files)."""
    runs = {}
    order = []
    rss = 0
    for _ in range(runs_wanted):
        cmd = [os.path.join(build, "bin", "kiosk_frames"), "1920x1080", "", lang]
        if mode:
            cmd.append(mode)
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("# peak_rss_kib"):
                rss = max(rss, int(line.split()[2]))
            if line.startswith("#"):
                continue
            name, *values = line.split()
            if name not in runs:
                order.append(name)
            runs.setdefault(name, []).append([float(v) for v in values])
    rows = []
    for name in order:
        columns = list(zip(*runs[name]))
        rows.append((name, *(statistics.median(c) for c in columns),
                     max(columns[0])))
    return rows, rss


def merge_runs(parts):
    """frames() results of single runs, as one frames() result over all."""
    by_name = {}
    order = []
    for rows, _ in parts:
        for row in rows:
            if row[0] not in by_name:
                order.append(row[0])
            by_name.setdefault(row[0], []).append(row[1:-1])
    rows = []
    for name in order:
        columns = list(zip(*by_name[name]))
        rows.append((name, *(statistics.median(c) for c in columns), max(columns[0])))
    return rows, max(rss for _, rss in parts)


def fonts_compare(build, runs):
    """Mapped fonts (after) against fonts read from their files (before),
    alternating run by run in each language so that the machine's load
    falls on both alike."""
    subprocess.run(["cmake", "--build", build, "--target", "kiosk_frames"], check=True,
                   stdout=subprocess.DEVNULL)
    result = {}
    for lang in LANGS:
        before, after = [], []
        for _ in range(runs):
            before.append(frames(build, lang, 1, "file"))
            after.append(frames(build, lang, 1))
        result[lang] = (merge_runs(before), merge_runs(after))
    mib = lambda kb: kb / 1024
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}. First frames at 1920x1080, software renderer, headless, "
          f"median of {runs} runs each way, alternating: before = fonts read from their files "
          f"at each glyph load, after = fonts mapped. Wall ms (CPU ms of the thread).")
    print()
    print("| language | worst first frame before (screen) | after (screen) | ratio "
          "| worst first frame CPU before | after | ratio | peak RSS before | after |")
    print("|---|---|---|---|---|---|---|---|---|")
    for lang in LANGS:
        (b_rows, b_rss), (a_rows, a_rss) = result[lang]
        b = max(b_rows, key=lambda r: r[1])
        a = max(a_rows, key=lambda r: r[1])
        bc = max(b_rows, key=lambda r: r[5])
        ac = max(a_rows, key=lambda r: r[5])
        print(f"| {lang} | {b[1]:.2f} ({b[0]}) | {a[1]:.2f} ({a[0]}) | {b[1] / a[1]:.2f}x "
              f"| {bc[5]:.2f} ({bc[0]}) | {ac[5]:.2f} ({ac[0]}) | {bc[5] / ac[5]:.2f}x "
              f"| {mib(b_rss):.1f} MiB | {mib(a_rss):.1f} MiB |")
    print()
    print("First frame per screen, before / after (wall ms, median), with the lines "
          "rendered and measured in it:")
    print()
    print("| screen | " + " | ".join(LANGS) + " |")
    print("|---|" + "---|" * len(LANGS))
    names = [r[0] for r in result[LANGS[0]][0][0]]
    for i, name in enumerate(names):
        cells = []
        for lang in LANGS:
            b = result[lang][0][0][i]
            a = result[lang][1][0][i]
            cells.append(f"{b[1]:.2f} / {a[1]:.2f} ({a[6]:.0f} r, {a[7]:.0f} m)")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--idle", type=float, default=30.0)
    ap.add_argument("--fonts", type=int, metavar="RUNS",
                    help="only first frames, fonts mapped against read from files")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if args.fonts:
        fonts_compare(args.build, args.fonts)
        return
    kiosk = os.path.join(args.build, "bin", "amends-kiosk")
    for tool in ("chromium", "Xvfb"):
        if not shutil.which(tool):
            sys.exit(f"kiosk_bench: {tool} not found (packaging/install-deps.sh installs it)")
    if not os.path.exists(kiosk):
        sys.exit(f"kiosk_bench: {kiosk} not found; build first")
    work = tempfile.mkdtemp(prefix="kiosk-bench-")
    try:
        a_first, c_first = first_frame(kiosk, work)
        a_rss, c_rss = journey_rss(kiosk, work)
        win = window_runs(kiosk, work, args.idle)
        subprocess.run(["cmake", "--build", args.build, "--target", "kiosk_frames"], check=True,
                       stdout=subprocess.DEVNULL)
        per_lang = {lang: frames(args.build, lang) for lang in LANGS}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    mib = lambda kb: kb / 1024
    sw_rss, sw_cpu = win["software"]
    gl_rss, _ = win["accelerated"]
    ch_rss, ch_cpu, ch_procs = win["chromium"]
    print(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores; Chromium "
          f"{subprocess.run(['chromium', '--version'], capture_output=True, text=True).stdout.strip()}.")
    print()
    print("| measure | amends-kiosk | Chromium | ratio | target |")
    print("|---|---|---|---|---|")
    print(f"| start to first frame saved, headless (median of 7) | {a_first * 1000:.0f} ms "
          f"| {c_first * 1000:.0f} ms | {c_first / a_first:.1f}x faster | <= 60 ms |")
    worst_lang = max(a_rss, key=a_rss.get)
    worst_rss = a_rss[worst_lang]
    print(f"| peak RSS, whole journey, headless software renderer (worst language, "
          f"{worst_lang}) | {mib(worst_rss):.1f} MiB "
          f"| {mib(c_rss):.0f} MiB (tree, one screenshot) | {c_rss / worst_rss:.1f}x less "
          f"| < 40 MB |")
    print(f"| RSS in a window under Xvfb, software renderer | {mib(sw_rss):.1f} MiB "
          f"| {mib(ch_rss):.0f} MiB ({ch_procs} processes, kiosk window) "
          f"| {ch_rss / sw_rss:.1f}x less | |")
    print(f"| RSS in a window under Xvfb, accelerated renderer (Mesa, no GPU here) "
          f"| {mib(gl_rss):.1f} MiB | | | |")
    print(f"| CPU idle on attract, {args.idle:.0f} s, window under Xvfb | {sw_cpu:.3f} % of a core "
          f"| {ch_cpu:.2f} % | {'n/a' if sw_cpu == 0 else f'{ch_cpu / sw_cpu:.0f}x less'} "
          f"| < 0.1 % |")
    print()
    print(f"Peak RSS of the whole demo journey (1280x800, headless, software renderer) per "
          f"language: " + ", ".join(f"{lang} {mib(a_rss[lang]):.1f} MiB" for lang in LANGS) + ".")
    print()
    print(f"Frame time at 1920x1080, software renderer, headless (ms), median of {FRAME_RUNS} "
          f"runs per language. Each screen is reached as a guest reaches it: the screen "
          f"tapped on to get there is shown first and the idle preparation (am_ui_idle) runs "
          f"while it is read, timed apart (idle before); then the first frame (the frame "
          f"the guest waits for, their own text rendered in it) and the median and worst of "
          f"50 redraws. Per language, the worst screen:")
    print()
    print("| language | worst first frame (screen) | its worst run | worst redraw median "
          "| worst redraw | most idle before a screen | peak RSS (kiosk_frames) |")
    print("|---|---|---|---|---|---|---|")
    for lang in LANGS:
        rows, rss = per_lang[lang]
        first = max(rows, key=lambda r: r[1])
        idle = max(rows, key=lambda r: r[4])
        print(f"| {lang} | {first[1]:.2f} ({first[0]}) | {first[-1]:.2f} "
              f"| {max(r[2] for r in rows):.2f} | {max(r[3] for r in rows):.2f} "
              f"| {idle[4]:.2f} ({idle[0]}) | {mib(rss):.1f} MiB |")
    print()
    print("First frame per screen and language (ms, median of "
          f"{FRAME_RUNS}); redraw median, the largest over the languages:")
    print()
    print("| screen | " + " | ".join(LANGS) + " | redraw median |")
    print("|---|" + "---|" * (len(LANGS) + 1))
    names = [r[0] for r in per_lang[LANGS[0]][0]]
    for i, name in enumerate(names):
        firsts = [per_lang[lang][0][i][1] for lang in LANGS]
        redraw = max(per_lang[lang][0][i][2] for lang in LANGS)
        print(f"| {name} | " + " | ".join(f"{f:.2f}" for f in firsts) + f" | {redraw:.2f} |")

if __name__ == "__main__":
    main()
