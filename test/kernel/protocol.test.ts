// The real kernel driven by Debian's jupyter_client (test/kernel/py/driver.py): protocol 5.3 behaviour,
// one behaviour per test, one shared kernel (shutdown/restart start their own).
import * as fs from 'fs';
import * as path from 'path';
import { describeJupyter, Driver, IopubMsg, ofType } from './jupyter';

describeJupyter('jupyter kernel protocol', () => {
  let d: Driver;
  beforeAll(() => {
    d = new Driver();
    // a package installed next to the notebook
    const pkg = path.join(d.dirs.notebookDir, 'node_modules', 'nbpkg');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'nbpkg', version: '1.0.0', main: 'index.js', types: 'index.d.ts' }));
    fs.writeFileSync(path.join(pkg, 'index.js'), 'exports.triple = (n) => 3 * n;\n');
    fs.writeFileSync(path.join(pkg, 'index.d.ts'), 'export declare function triple(n: number): number;\n');
    // an ESM-only package (exports with an import condition only, top-level await)
    const esm = path.join(d.dirs.notebookDir, 'node_modules', 'esmonly');
    fs.mkdirSync(esm, { recursive: true });
    fs.writeFileSync(path.join(esm, 'package.json'), JSON.stringify({ name: 'esmonly', version: '1.0.0', type: 'module', exports: { '.': { types: './index.d.ts', import: './index.js' } } }));
    fs.writeFileSync(path.join(esm, 'index.js'), 'await Promise.resolve();\nexport default function hello(n) { return `hello ${n}`; }\n');
    fs.writeFileSync(path.join(esm, 'index.d.ts'), 'export default function hello(n: string): string;\n');
  });
  afterAll(() => d.close());
  const exec = (code: string, opts: Record<string, unknown> = {}) => d.call('execute', { code, ...opts });
  const value = (r: { iopub: IopubMsg[] }) => ofType(r.iopub, 'execute_result')[0]?.content.data as Record<string, string> | undefined;

  test('kernel_info_reply: 5.3 header, status, TypeScript language_info, busy/idle', async () => {
    const r = await d.call('request', { msg_type: 'kernel_info_request', content: {} });
    expect(r.msg_type).toBe('kernel_info_reply');
    expect(r.version).toBe('5.3');
    expect(r.content).toMatchObject({
      status: 'ok', protocol_version: '5.3', implementation: 'flashlm',
      language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
    });
    expect(r.content.banner).toMatch(/FlashLM/);
    expect(r.content.help_links.length).toBeGreaterThan(0);
    expect(r.iopub.map((m: IopubMsg) => m.content.execution_state)).toEqual(['busy', 'idle']);
  });

  test('execute: execute_input, stream, execute_result with execution_count, idle last', async () => {
    const r = await exec('console.log("hello"); console.error("warn"); 6 * 7');
    expect(r.version).toBe('5.3');
    expect(r.reply).toMatchObject({ status: 'ok' });
    const n = r.reply.execution_count;
    const types = r.iopub.map((m: IopubMsg) => m.msg_type);
    expect(types[0]).toBe('status');
    expect(types[types.length - 1]).toBe('status');
    expect(r.iopub[r.iopub.length - 1].content.execution_state).toBe('idle');
    expect(ofType(r.iopub, 'execute_input')[0].content).toEqual({ code: 'console.log("hello"); console.error("warn"); 6 * 7', execution_count: n });
    expect(ofType(r.iopub, 'stream').map((m) => [m.content.name, m.content.text])).toEqual([['stdout', 'hello\n'], ['stderr', 'warn\n']]);
    expect(ofType(r.iopub, 'execute_result')[0].content).toEqual({ execution_count: n, data: { 'text/plain': '42' }, metadata: {} });
  });

  test('stream output is sent live while the cell runs', async () => {
    const r = await d.call('stream_timing', {
      code: 'console.log("first"); const t0 = Date.now(); while (Date.now() - t0 < 1500) {} console.log("second")',
    });
    const streams = r.iopub.filter((m: { msg_type: string }) => m.msg_type === 'stream');
    const idle = r.iopub[r.iopub.length - 1];
    expect(streams[0].content.text).toBe('first\n');
    expect(idle.t - streams[0].t).toBeGreaterThan(1.0); // "first" arrived well before the cell ended
  });

  test('user_expressions are evaluated after the cell and returned in the reply', async () => {
    const r = await exec('const ue = 20;', { user_expressions: { double: 'ue * 2', bad: 'nope +' } });
    expect(r.reply.user_expressions.double).toEqual({ status: 'ok', data: { 'text/plain': '40' }, metadata: {} });
    expect(r.reply.user_expressions.bad.status).toBe('error');
  });

  test('text/plain results carry no ANSI codes; objects are inspected', async () => {
    const r = await exec('({ a: 1, s: "x", arr: [1, 2] })');
    expect(value(r)!['text/plain']).toBe("{ a: 1, s: 'x', arr: [ 1, 2 ] }");
    expect(value(r)!['text/plain']).not.toMatch(/\u001b/);
  });

  test('a value with [Symbol.for("Jupyter.display")]() gives a rich execute_result', async () => {
    const r = await exec('({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>hi</b>", "text/plain": "hi" }; } })');
    expect(value(r)).toEqual({ 'text/html': '<b>hi</b>', 'text/plain': 'hi' });
  });

  test('display, update by display id, raw bundles and clearOutput', async () => {
    const r = await exec('const h = display("v1", { id: "prog" }); h.update("v2"); display({ "text/markdown": "**m**" }, { raw: true }); clearOutput(true);');
    const disp = ofType(r.iopub, 'display_data');
    expect(disp[0].content).toMatchObject({ data: { 'text/plain': "'v1'" }, transient: { display_id: 'prog' } });
    expect(ofType(r.iopub, 'update_display_data')[0].content).toMatchObject({ data: { 'text/plain': "'v2'" }, transient: { display_id: 'prog' } });
    expect(disp[1].content.data).toEqual({ 'text/markdown': '**m**' });
    expect(ofType(r.iopub, 'clear_output')[0].content).toEqual({ wait: true });
  });

  test('runtime error: error message and reply with ename, evalue, traceback in cell lines', async () => {
    const r = await exec('const a = 1;\nfunction f(): number {\n  throw new RangeError("bad " + a);\n}\nf();');
    expect(r.reply).toMatchObject({ status: 'error', ename: 'RangeError', evalue: 'bad 1' });
    const err = ofType(r.iopub, 'error')[0].content as { traceback: string[] };
    expect(err.traceback[0]).toBe('RangeError: bad 1');
    const n = r.reply.execution_count;
    expect(err.traceback.join('\n')).toContain(`In[${n}].ts:3:9`); // the throw, line 3 of the cell
    expect(err.traceback.join('\n')).toContain(`In[${n}].ts:5:1`); // the call
  });

  test('type errors are reported as an error naming file, line and column', async () => {
    const r = await exec('let ok = 1;\nconst s: string = 5;');
    expect(r.reply.status).toBe('error');
    const n = r.reply.execution_count;
    expect(r.reply.evalue).toBe(`In[${n}].ts:2:7 - Type 'number' is not assignable to type 'string'.`);
    expect(r.reply.traceback.join('\n')).toContain(`In[${n}].ts:2:7 - error TS2322`);
  });

  test('silent runs do not count, send no execute_input/result; store_history=false does not count', async () => {
    const before = (await exec('1')).reply.execution_count;
    const s = await exec('2', { silent: true });
    expect(ofType(s.iopub, 'execute_input')).toHaveLength(0);
    expect(ofType(s.iopub, 'execute_result')).toHaveLength(0);
    await exec('3', { store_history: false });
    expect((await exec('4')).reply.execution_count).toBe(before + 1);
  });

  test('top-level declarations persist, a const cell can be re-run, top-level await works', async () => {
    await exec('const k = 10;');
    expect((await exec('const k = 11; k')).reply.status).toBe('ok');
    const r = await exec('await new Promise((r) => setTimeout(r, 10)); k * 2');
    expect(value(r)!['text/plain']).toBe('22');
  });

  test('import of flashlm and of a package next to the notebook', async () => {
    const r = await exec('import { Tensor } from "flashlm";\nimport { triple } from "nbpkg";\n[Tensor.from([1, 2]).shape[0], triple(2), typeof flashlm.AdamW]');
    expect(r.reply.status).toBe('ok');
    expect(value(r)!['text/plain']).toBe("[ 2, 6, 'function' ]");
  });

  test('import of an ESM-only package next to the notebook', async () => {
    const r = await exec('import hello from "esmonly";\nhello("esm")');
    expect(r.reply.status).toBe('ok');
    expect(value(r)!['text/plain']).toBe("'hello esm'");
    expect(ofType(r.iopub, 'stream')).toEqual([]); // no experimental-feature warning in the cell
  });

  test('stop_on_error aborts only the queued cells of that batch; the next request runs', async () => {
    const r = await d.call('stop_on_error', { stop_on_error: true });
    expect(r.replies.map((x: { status: string }) => x.status)).toEqual(['error', 'aborted', 'aborted']);
    expect(r.later.status).toBe('ok');
    expect(value({ iopub: r.later_iopub })!['text/plain']).toBe("'second did not run'");
  });

  test('stop_on_error=false runs the queued cells', async () => {
    const r = await d.call('stop_on_error', { stop_on_error: false });
    expect(r.replies.map((x: { status: string }) => x.status)).toEqual(['error', 'ok', 'ok']);
  });

  test('complete: flashlm. lists the namespace with cursor_start/cursor_end', async () => {
    const r = await d.call('request', { msg_type: 'complete_request', content: { code: 'flashlm.Ten', cursor_pos: 11 } });
    expect(r.content).toMatchObject({ status: 'ok', cursor_start: 8, cursor_end: 11 });
    expect(r.content.matches).toContain('Tensor');
    const all = await d.call('request', { msg_type: 'complete_request', content: { code: 'const é = 1; flashlm.', cursor_pos: 21 } });
    expect(all.content.cursor_start).toBe(21); // code points, not UTF-16 units
    expect(all.content.matches).toEqual(expect.arrayContaining(['Tensor', 'AdamW', 'ops', 'checkInterrupt']));
  });

  test('inspect: signature and docs of a flashlm function', async () => {
    const r = await d.call('request', { msg_type: 'inspect_request', content: { code: 'flashlm.checkInterrupt', cursor_pos: 20, detail_level: 0 } });
    expect(r.content.status).toBe('ok');
    expect(r.content.found).toBe(true);
    expect(r.content.data['text/plain']).toMatch(/checkInterrupt\(\): void/);
    expect(r.content.data['text/plain']).toMatch(/Throws KeyboardInterrupt when an interrupt was requested/); // its TSDoc
  });

  test('is_complete: complete, incomplete with indent, invalid', async () => {
    const ask = async (code: string) => (await d.call('request', { msg_type: 'is_complete_request', content: { code } })).content;
    expect(await ask('1 + 1')).toEqual({ status: 'complete' });
    expect(await ask('function f() {')).toMatchObject({ status: 'incomplete', indent: expect.any(String) });
    expect((await ask('1 +* )')).status).toBe('invalid');
  });

  test('history: tail, range and search', async () => {
    await exec('const histMarker = "h1";');
    await exec('histMarker + "2"');
    const tail = (await d.call('request', { msg_type: 'history_request', content: { hist_access_type: 'tail', n: 2, output: false, raw: true } })).content;
    expect(tail.status).toBe('ok');
    expect(tail.history.map((h: unknown[]) => h[2])).toEqual(['const histMarker = "h1";', 'histMarker + "2"']);
    const line = tail.history[1][1];
    const range = (await d.call('request', { msg_type: 'history_request', content: { hist_access_type: 'range', session: 0, start: line, stop: line + 1, output: true, raw: true } })).content;
    expect(range.history).toEqual([[1, line, ['histMarker + "2"', "'h12'"]]]);
    const search = (await d.call('request', { msg_type: 'history_request', content: { hist_access_type: 'search', pattern: '*histMarker*', n: 10, output: false, raw: true } })).content;
    expect(search.history.length).toBe(2);
  });

  test('comms: target registered from a cell; open, msg, comm_info, close; unknown target is closed', async () => {
    await exec('comms.registerTarget("echo", (c, data) => { c.send({ opened: data }); c.onMsg((m) => c.send({ echo: m })); });');
    const r = await d.call('comms', { target: 'echo' });
    expect(r.open).toEqual([{ msg_type: 'comm_msg', content: { comm_id: r.comm_id, data: { opened: { x: 1 } } }, version: '5.3' }]);
    expect(r.info.comms[r.comm_id]).toEqual({ target_name: 'echo' });
    expect(r.info_filtered.comms).toEqual({});
    expect(r.msg[0].content).toEqual({ comm_id: r.comm_id, data: { echo: { ping: 2 } } });
    expect(r.info_after_close.comms[r.comm_id]).toBeUndefined();
    expect(r.unknown[0]).toMatchObject({ msg_type: 'comm_close', content: { comm_id: 'unknown1' } });
  });

  test('comms: a cell opens a comm from the kernel side', async () => {
    const r = await exec('const c = comms.open("flashlm.test", { hello: 1 }); c.send({ n: 2 }); c.id');
    const open = ofType(r.iopub, 'comm_open')[0].content;
    expect(open).toMatchObject({ target_name: 'flashlm.test', data: { hello: 1 } });
    expect(ofType(r.iopub, 'comm_msg')[0].content).toEqual({ comm_id: open.comm_id, data: { n: 2 } });
  });

  test('stdin: input() and password() send input_request and get the reply', async () => {
    const r = await d.call('execute_with_stdin', { code: 'const name = await input("name? "); const pw = await password("pw: "); `${name}/${pw.length}`', answers: ['Ada', 'secret'] });
    expect(r.prompts.map((p: { content: unknown }) => p.content)).toEqual([{ prompt: 'name? ', password: false }, { prompt: 'pw: ', password: true }]);
    expect(r.prompts.every((p: { parent: boolean }) => p.parent)).toBe(true);
    expect(value(r)!['text/plain']).toBe("'Ada/6'");
  });

  test('input() without allow_stdin is an error, not a hang', async () => {
    const r = await exec('await input("x")', { allow_stdin: false });
    expect(r.reply.status).toBe('error');
    expect(r.reply.evalue).toMatch(/stdin/);
  });

  test('interrupting a cell that waits for input() ends it; the session goes on', async () => {
    const r = await d.call('interrupt_input', { code: 'const answer = await input("wait: ");' });
    expect(r.prompt).toEqual({ prompt: 'wait: ', password: false });
    expect(r.reply.ename).toBe('KeyboardInterrupt');
    expect(r.elapsed).toBeLessThan(1);
    expect((await exec('1 + 1')).reply.status).toBe('ok');
  });

  test('an error thrown in a timer after its cell ended does not kill the session', async () => {
    await exec('const keepMe = 5; setTimeout(() => { throw new Error("from a timer"); }, 10);');
    await new Promise((r) => setTimeout(r, 200));
    const r = await exec('keepMe');
    expect(value(r)!['text/plain']).toBe('5');
  });

  test('process.exit() in a cell: the executor is replaced, the error says so, the next cell runs', async () => {
    const r = await exec('process.exit(3)');
    expect(r.reply.status).toBe('error');
    expect(r.reply.evalue).toMatch(/exited \(code 3\); every variable is gone/);
    expect(value(await exec('typeof (globalThis as any).keepMe'))!['text/plain']).toBe("'undefined'");
  });

  test('heartbeat, kernel_info and complete are answered while a cell runs', async () => {
    const r = await d.call('busy_responsiveness', { code: 'const t1 = Date.now(); while (Date.now() - t1 < 3000) {}' });
    expect(r.hb).toEqual([true, true, true]);
    for (const t of [...r.kernel_info, ...r.complete]) expect(t).toBeLessThan(1);
    expect(r.matches).toContain('Tensor');
    expect(r.reply.status).toBe('ok');
  });

  test('a message with a forged signature is dropped, never executed', async () => {
    const r = await d.call('forged_signature', { code: 'globalThis.forged = 1' });
    expect(r.replies).toEqual([]);
    expect(value(await exec('typeof (globalThis as any).forged'))!['text/plain']).toBe("'undefined'");
  });

  test('garbage and malformed frames are dropped; the kernel keeps working', async () => {
    const r = await d.call('garbage_frames');
    expect(r.replies).toEqual([]);
    expect(value(await exec('typeof (globalThis as any).garbage'))!['text/plain']).toBe("'undefined'");
  });

  test('an unknown request type gets an error reply, not a hang', async () => {
    const r = await d.call('request', { msg_type: 'frobnicate_request', content: {} });
    expect(r.msg_type).toBe('frobnicate_reply');
    expect(r.content.status).toBe('error');
  });

  test('shutdown_request: shutdown_reply, then the process exits', async () => {
    const r = await d.call('separate_kernel', { action: 'shutdown' });
    expect(r.reply_type).toBe('shutdown_reply');
    expect(r.reply).toEqual({ status: 'ok', restart: false });
    expect(r.alive).toBe(false);
  });

  test('restart clears the session state', async () => {
    const r = await d.call('separate_kernel', { action: 'restart' });
    expect(r.reply.status).toBe('ok');
    expect(r.outputs.find((o: { data?: unknown }) => o.data)).toMatchObject({ data: { 'text/plain': "'undefined'" } });
  });
});
