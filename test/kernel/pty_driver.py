#!/usr/bin/env python3
"""Drives a command in a pseudo-terminal, for the REPL tests (test/kernel/repl.test.ts).

usage: pty_driver.py STEPS_JSON -- command args...
STEPS_JSON is a list of {"send": text} (written to the terminal; "\\u0003" is Ctrl-C, "\\u0004" Ctrl-D, "\\t" Tab)
and {"expect": regex, "timeout": seconds} (waits until the output since the last expect matches). Prints one JSON
object: {"ok": bool, "failed_step": int|null, "output": everything read, "exit": status|null}.
"""
import json
import os
import pty
import re
import select
import sys
import time


def main() -> None:
    steps = json.loads(sys.argv[1])
    cmd = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ['TERM'] = 'xterm'
        os.environ['COLUMNS'] = '200'
        os.execvp(cmd[0], cmd)
    out = b''
    mark = 0  # expects look at output after the previous match

    def read_some(deadline: float) -> bool:
        nonlocal out
        wait = max(0.0, deadline - time.time())
        r, _, _ = select.select([fd], [], [], min(wait, 0.05))
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            out += chunk
        return True

    failed = None
    for i, step in enumerate(steps):
        if 'send' in step:
            time.sleep(step.get('delay', 0.05))
            os.write(fd, step['send'].encode())
        else:
            deadline = time.time() + step.get('timeout', 20)
            pattern = re.compile(step['expect'].encode(), re.S)
            while True:
                m = pattern.search(out, mark)
                if m:
                    mark = m.end()
                    break
                if time.time() > deadline or not read_some(deadline):
                    m = pattern.search(out, mark)
                    if m:
                        mark = m.end()
                        break
                    failed = i
                    break
            if failed is not None:
                break
    status = None
    deadline = time.time() + (10 if failed is None else 0.5)
    while time.time() < deadline:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(st)
            break
        read_some(time.time() + 0.05)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    print(json.dumps({'ok': failed is None, 'failed_step': failed, 'exit': status,
                      'output': out.decode('utf8', 'replace')}))


if __name__ == '__main__':
    main()
