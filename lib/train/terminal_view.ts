// The run's view outside Jupyter: a cli-progress bar on a terminal ('bar'), or plain lines every ~10 s
// and at the end ('lines', for logs and pipes). 'auto' picks the bar on a TTY and nothing otherwise.
import { Progress, formatDuration } from '../viz/progress';
import type { Observable } from './events';

export function terminalView(run: Observable, mode: 'auto' | 'bar' | 'lines' | 'none', total: number): (() => void) | null {
  const kind = mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'none') : mode;
  if (kind === 'none') return null;
  if (kind === 'bar') {
    let bar: Progress | null = null;
    const off = run.observe({
      onStart: (e) => { bar = new Progress({ total: e.totalSteps ?? total, label: e.model, target: 'terminal' }); },
      onStep: (e) => bar?.update(e.step, { loss: e.loss, tokensPerS: e.tokensPerS }),
      onEnd: () => { bar?.close(); off(); },
    });
    return off;
  }
  let last = -Infinity;
  const line = (s: string) => process.stderr.write(s + '\n');
  const off = run.observe({
    onStep: (e) => {
      const now = Date.now();
      if (now - last < 10_000 && e.step !== e.totalSteps) return;
      last = now;
      line(`step ${e.step}/${e.totalSteps ?? '?'}  loss ${e.loss.toFixed(4)}  lr ${e.lr.toExponential(2)}  ${Math.round(e.tokensPerS)} tok/s  elapsed ${formatDuration(e.elapsedS)}  eta ${formatDuration(e.etaS)}`);
    },
    onEval: (e) => line(`eval @ step ${e.step}: loss ${e.metrics.meanLoss.toFixed(4)}  ppl ${e.metrics.perplexity.toFixed(2)}  bits/token ${e.metrics.bitsPerToken.toFixed(4)}${e.metrics.bitsPerChar !== null ? `  bits/char ${e.metrics.bitsPerChar.toFixed(4)}` : ''}`),
    onEnd: (e) => { line(`run ended (${e.reason}) at step ${e.step}, ${e.tokens} tokens, ${formatDuration(e.elapsedS)} of training`); off(); },
  });
  return off;
}
