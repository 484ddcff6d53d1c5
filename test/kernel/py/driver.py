"""Drives the real flashlm kernel with Debian's jupyter_client for test/kernel/protocol.test.ts.

Reads one JSON request per line on stdin ({"id", "scenario", "args"}), answers one JSON line on stdout
({"id", "ok", "result"} or {"id", "ok": false, "error"}). One kernel is shared by the scenarios; the ones that
end it (shutdown, restart) start their own. The kernelspec comes from JUPYTER_PATH (a temp prefix the test
installs with `flashlm kernel install --prefix`); KERNEL_NAME and NOTEBOOK_DIR come from the environment.
"""
import json
import os
import signal
import sys
import time
import traceback

import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

KERNEL = os.environ.get('KERNEL_NAME', 'flashlm-test')
CWD = os.environ.get('NOTEBOOK_DIR', os.getcwd())
state = {}


def kernel():
    if 'kc' not in state:
        state['km'], state['kc'] = start_new_kernel(kernel_name=KERNEL, cwd=CWD, startup_timeout=60)
    return state['km'], state['kc']


def drain_iopub(kc, parent_id, timeout=30):
    """iopub messages of one request up to its idle (inclusive)."""
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
        except Exception:
            break
        if m['parent_header'].get('msg_id') != parent_id:
            continue
        out.append({'msg_type': m['msg_type'], 'content': m['content'], 'version': m['header'].get('version')})
        if m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle':
            break
    return out


def get_reply(kc, msg_id, channel='shell', timeout=30):
    get = kc.get_shell_msg if channel == 'shell' else kc.get_control_msg
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = get(timeout=max(0.01, deadline - time.time()))
        if m['parent_header'].get('msg_id') == msg_id:
            return m
    raise TimeoutError(f'no reply to {msg_id}')


def execute(code, timeout=60, **kw):
    km, kc = kernel()
    msg_id = kc.execute(code, **kw)
    reply = get_reply(kc, msg_id, timeout=timeout)
    return {'reply': reply['content'], 'reply_type': reply['msg_type'], 'version': reply['header']['version'],
            'iopub': drain_iopub(kc, msg_id)}


def sc_execute(code, **kw):
    return execute(code, **kw)


def sc_execute_with_stdin(code, answers):
    km, kc = kernel()
    msg_id = kc.execute(code, allow_stdin=True)
    prompts = []
    for a in answers:
        m = kc.get_stdin_msg(timeout=30)
        prompts.append({'msg_type': m['msg_type'], 'content': m['content'], 'parent': m['parent_header'].get('msg_id') == msg_id})
        kc.input(a)
    reply = get_reply(kc, msg_id)
    return {'prompts': prompts, 'reply': reply['content'], 'iopub': drain_iopub(kc, msg_id)}


def sc_interrupt_input(code):
    """Interrupts a cell that waits for input()."""
    km, kc = kernel()
    msg_id = kc.execute(code, allow_stdin=True)
    prompt = kc.get_stdin_msg(timeout=30)
    t0 = time.time()
    ireq = kc.session.send(kc.control_channel.socket, 'interrupt_request', {})
    get_reply(kc, ireq['header']['msg_id'], channel='control')
    reply = get_reply(kc, msg_id, timeout=20)
    return {'prompt': prompt['content'], 'reply': reply['content'], 'elapsed': time.time() - t0, 'iopub': drain_iopub(kc, msg_id)}


def sc_interrupt(code, delay=0.5, via='message'):
    """Runs `code`, interrupts after `delay` s; returns the reply and seconds from interrupt to reply."""
    km, kc = kernel()
    msg_id = kc.execute(code)
    time.sleep(delay)
    t0 = time.time()
    if via == 'signal':
        os.kill(km.provisioner.pid, signal.SIGINT)
        ireply = None
    elif via == 'manager':
        # what frontends do: KernelManager reads interrupt_mode from the kernelspec ('message' -> control)
        km.interrupt_kernel()
        ireply = None
    else:
        ireq = kc.session.send(kc.control_channel.socket, 'interrupt_request', {})
        ireply = get_reply(kc, ireq['header']['msg_id'], channel='control')['content']
    reply = get_reply(kc, msg_id, timeout=20)
    elapsed = time.time() - t0
    return {'reply': reply['content'], 'elapsed': elapsed, 'interrupt_reply': ireply, 'iopub': drain_iopub(kc, msg_id)}


def sc_stream_timing(code):
    """iopub of one cell with arrival times (s after the request) and the reply's arrival time."""
    km, kc = kernel()
    t0 = time.time()
    msg_id = kc.execute(code)
    out = []
    while True:
        m = kc.get_iopub_msg(timeout=30)
        if m['parent_header'].get('msg_id') != msg_id:
            continue
        out.append({'msg_type': m['msg_type'], 'content': m['content'], 't': time.time() - t0})
        if m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle':
            break
    get_reply(kc, msg_id)
    return {'iopub': out}


def sc_request(msg_type, content, channel='shell'):
    km, kc = kernel()
    sock = kc.shell_channel.socket if channel == 'shell' else kc.control_channel.socket
    msg = kc.session.send(sock, msg_type, content)
    reply = get_reply(kc, msg['header']['msg_id'], channel=channel, timeout=15)
    return {'msg_type': reply['msg_type'], 'content': reply['content'], 'version': reply['header']['version'],
            'iopub': drain_iopub(kc, msg['header']['msg_id'])}


def sc_busy_responsiveness(code, probes=3):
    """While `code` runs: heartbeat, kernel_info and complete answered; returns their latencies (s)."""
    km, kc = kernel()
    msg_id = kc.execute(code)
    time.sleep(0.5)
    out = {'hb': [], 'kernel_info': [], 'complete': []}
    for _ in range(probes):
        out['hb'].append(kc.hb_channel.is_beating())
        t = time.time()
        kc.kernel_info(reply=True, timeout=5)
        out['kernel_info'].append(time.time() - t)
        t = time.time()
        r = kc.complete('flashlm.Ten', 11, reply=True, timeout=5)
        out['complete'].append(time.time() - t)
        out['matches'] = r['content']['matches']
        time.sleep(0.2)
    reply = get_reply(kc, msg_id)
    out['reply'] = reply['content']
    return out


def raw_shell(frames_fn):
    """Sends frames built by frames_fn(session) on a fresh DEALER to the shell port; returns replies within 1 s."""
    km, kc = kernel()
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.connect(f'{km.transport}://{km.ip}:{km.shell_port}')
    for frames in frames_fn(kc.session):
        sock.send_multipart(frames)
    got = []
    if sock.poll(1000):
        got.append([f.decode('utf8', 'replace') for f in sock.recv_multipart()])
    sock.close()
    return got


def sc_forged_signature(code):
    def frames(session):
        forged = Session(key=b'not-the-key', username='attacker')
        msg = forged.msg('execute_request', {'code': code, 'silent': False})
        return [forged.serialize(msg)]
    return {'replies': raw_shell(frames)}


def sc_garbage_frames():
    def frames(session):
        good = session.msg('execute_request', {'code': 'globalThis.garbage = 1', 'silent': False})
        ser = session.serialize(good)
        sign = lambda parts: session.sign(parts)
        bad_json = [b'not json', b'{}', b'{}', b'{}']
        no_type = [b'{"msg_id": "x"}', b'{}', b'{}', b'{}']
        return [
            [b'hello'],
            [b'', b'\x00\xff\xfe'],
            [b'<IDS|MSG>'],
            [b'<IDS|MSG>', b'sig', b'{}'],
            [b'<IDS|MSG>', sign(bad_json)] + bad_json,
            [b'<IDS|MSG>', sign(no_type)] + no_type,
            [b'<IDS|MSG>', sign([b'[]', b'{}', b'{}', b'{}']), b'[]', b'{}', b'{}', b'{}'],
            ser[:3],
        ]
    return {'replies': raw_shell(frames)}


def sc_comms(target):
    km, kc = kernel()
    s = kc.session
    comm_id = 'c0ffee' + str(int(time.time() * 1000))
    out = {}
    m = s.send(kc.shell_channel.socket, 'comm_open', {'comm_id': comm_id, 'target_name': target, 'data': {'x': 1}})
    out['open'] = [x for x in drain_iopub(kc, m['header']['msg_id']) if x['msg_type'].startswith('comm')]
    out['info'] = sc_request('comm_info_request', {})['content']
    out['info_filtered'] = sc_request('comm_info_request', {'target_name': 'nope'})['content']
    m = s.send(kc.shell_channel.socket, 'comm_msg', {'comm_id': comm_id, 'data': {'ping': 2}})
    out['msg'] = [x for x in drain_iopub(kc, m['header']['msg_id']) if x['msg_type'].startswith('comm')]
    m = s.send(kc.shell_channel.socket, 'comm_close', {'comm_id': comm_id, 'data': {}})
    drain_iopub(kc, m['header']['msg_id'])
    out['info_after_close'] = sc_request('comm_info_request', {})['content']
    m = s.send(kc.shell_channel.socket, 'comm_open', {'comm_id': 'unknown1', 'target_name': 'no.such.target', 'data': {}})
    out['unknown'] = [x for x in drain_iopub(kc, m['header']['msg_id']) if x['msg_type'].startswith('comm')]
    out['comm_id'] = comm_id
    return out


def sc_stop_on_error(stop_on_error=True):
    """Three cells sent at once, the first fails; then one more after the replies."""
    km, kc = kernel()
    ids = [kc.execute('throw new Error("first fails")', stop_on_error=stop_on_error),
           kc.execute('(globalThis as any).ranSecond = true; 2'),
           kc.execute('3')]
    replies = [get_reply(kc, i)['content'] for i in ids]
    for i in ids:
        drain_iopub(kc, i)
    later = execute('const ran = (globalThis as any).ranSecond === true; delete (globalThis as any).ranSecond; ran ? "second ran" : "second did not run"')
    return {'replies': replies, 'later': later['reply'], 'later_iopub': later['iopub']}


def sc_separate_kernel(action):
    """shutdown / restart on a kernel of its own."""
    km, kc = start_new_kernel(kernel_name=KERNEL, cwd=CWD, startup_timeout=60)
    try:
        r0 = kc.execute_interactive('(globalThis as any).kept = 41; var v = 1', timeout=20)
        assert r0['content']['status'] == 'ok', r0['content']
        if action == 'shutdown':
            msg = kc.session.send(kc.control_channel.socket, 'shutdown_request', {'restart': False})
            reply = get_reply(kc, msg['header']['msg_id'], channel='control')
            t = time.time()
            while km.is_alive() and time.time() - t < 10:
                time.sleep(0.05)
            return {'reply': reply['content'], 'reply_type': reply['msg_type'], 'alive': km.is_alive(),
                    'exit_s': time.time() - t}
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=60)
        out = []
        r = kc.execute_interactive('typeof (globalThis as any).kept', timeout=20, output_hook=lambda m: out.append(m['content']))
        return {'reply': r['content'], 'outputs': out}
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)


def sc_bench(n=200):
    km, kc = kernel()
    kc.execute_interactive('1+1', timeout=20)
    ex = []
    for _ in range(n):
        t = time.perf_counter()
        msg_id = kc.execute('1+1')
        get_reply(kc, msg_id)
        ex.append((time.perf_counter() - t) * 1000)
        drain_iopub(kc, msg_id)
    comp = []
    for _ in range(50):
        t = time.perf_counter()
        kc.complete('flashlm.ops.ma', 14, reply=True, timeout=10)
        comp.append((time.perf_counter() - t) * 1000)
    return {'execute_ms': ex, 'complete_ms': comp}


def main():
    # answers go to the real stdout; anything jupyter_client prints (execute_interactive's default output hook)
    # goes to stderr so it cannot corrupt the answer stream
    answers = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            fn = globals()['sc_' + req['scenario']]
            resp = {'id': req['id'], 'ok': True, 'result': fn(**req.get('args', {}))}
        except Exception:
            resp = {'id': req['id'], 'ok': False, 'error': traceback.format_exc()}
        answers.write(json.dumps(resp) + '\n')
        answers.flush()
    if 'km' in state:
        state['kc'].stop_channels()
        state['km'].shutdown_kernel(now=False)


if __name__ == '__main__':
    main()
