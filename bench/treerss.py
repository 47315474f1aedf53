#!/usr/bin/env python3
"""Peak resident memory of a process tree, for `make bench`'s ndx-run.

    python3 bench/treerss.py [-i SECONDS] -o FILE -- COMMAND [ARG...]

Runs COMMAND and, every SECONDS (default 0.05) until it exits, adds up
the resident set of COMMAND and of every descendant alive at that moment
(from /proc/PID/stat); writes the greatest sum, in KiB, to FILE and exits
with COMMAND's status (128 + N when signal N ended it).

/usr/bin/time's %M cannot give this: the kernel reports the maximum over
a process and the children it waited for, which is the largest single
process, not the sum of the ones running side by side.  A sample can miss
a peak shorter than the interval; the figure is a lower bound.
"""

import argparse
import os
import subprocess
import sys
import time

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def sample(root):
    """The summed RSS in KiB of root and its descendants, now."""
    children, rss = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read()
        except OSError:
            continue        # gone meanwhile
        # pid (comm) state ppid ... ; comm may hold spaces and parentheses.
        fields = stat[stat.rindex(b")") + 2:].split()
        pid = int(name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_KIB
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-i", dest="interval", type=float, default=0.05)
    ap.add_argument("-o", dest="out", required=True)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("no command")
    try:
        p = subprocess.Popen(cmd)
    except OSError as e:
        sys.exit("treerss.py: %s: %s" % (cmd[0], e.strerror))
    peak = 0
    while p.poll() is None:
        peak = max(peak, sample(p.pid))
        time.sleep(a.interval)
    with open(a.out, "w") as f:
        f.write("%d\n" % peak)
    rc = p.returncode
    sys.exit(128 - rc if rc < 0 else rc)


if __name__ == "__main__":
    main()
