// flashlm.runs: reading run directories back.
export { loadRun as load } from './runs';
export type { LoadedRunInfo } from './runs';
