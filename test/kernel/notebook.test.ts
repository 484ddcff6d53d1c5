// A TypeScript notebook executed top to bottom by nbclient (`jupyter nbconvert --execute`) with the kernelspec
// that `flashlm kernel install --prefix` wrote (JUPYTER_PATH pointed there).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describeJupyter, installTempKernel, KERNEL_NAME } from './jupyter';

interface Output { output_type: string; name?: string; text?: string; data?: Record<string, string>; execution_count?: number }

/** .ipynb stores multi-line strings as arrays of lines: join them back. */
function flat(o: Output): Output {
  const j = (v: unknown) => (Array.isArray(v) ? v.join('') : v);
  const data = o.data && Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, j(v) as string]));
  return { ...o, ...(o.text !== undefined ? { text: j(o.text) as string } : {}), ...(data ? { data } : {}) };
}

describeJupyter('notebook under nbclient', () => {
  test('test/kernel/notebooks/smoke.ipynb runs with every output in place', () => {
    const { prefix, jupyterPath, notebookDir } = installTempKernel();
    try {
      const src = path.join(__dirname, 'notebooks', 'smoke.ipynb');
      const out = path.join(notebookDir, 'smoke.out.ipynb');
      const r = spawnSync('/usr/bin/python3', ['-m', 'nbconvert', '--to', 'notebook', '--execute', src,
        `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`, '--ExecutePreprocessor.timeout=60', '--output', out],
      { encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: jupyterPath }, cwd: notebookDir });
      expect(r.stderr).not.toMatch(/Traceback|CellExecutionError/);
      expect(r.status).toBe(0);
      const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as { cells: { cell_type: string; outputs?: Output[] }[] };
      const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => c.outputs!.map(flat));
      expect(code[0]).toEqual([expect.objectContaining({ output_type: 'stream', name: 'stdout', text: 'shape [ 2, 2 ]\n' })]);
      // nbclient applies update_display_data: the saved display holds the last update
      expect(code[1]).toEqual([expect.objectContaining({ output_type: 'display_data', data: { 'text/plain': "'step 3'" } })]);
      expect(code[2]).toEqual([expect.objectContaining({ output_type: 'execute_result', data: { 'text/plain': '10' }, execution_count: 3 })]);
      expect(code[3][0].data).toEqual({ 'text/html': '<b>rich</b>', 'text/plain': 'rich' });
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
      fs.rmSync(notebookDir, { recursive: true, force: true });
    }
  });
});
