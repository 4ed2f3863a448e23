#!/usr/bin/env python3
"""Runs a command, prints `<seconds> <peak RSS MB>` of it (and its children) to stderr's last line.
usage: measure.py OUTFILE -- CMD ARGS...   (the command's stdout goes to OUTFILE)"""
import os, sys, time

out, cmd = sys.argv[1], sys.argv[3:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.execvp(cmd[0], cmd)
_, status, ru = os.wait4(pid, 0)
dt = time.monotonic() - t0
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit("command failed: %s" % " ".join(cmd))
print("%.3f %.1f" % (dt, ru.ru_maxrss / 1024.0))
