// Declarations of the globals the executor injects (kernel/executor/worker.ts), given to the TypeScript
// session so cells type-check against exactly what exists at run time.
import { DEFAULT_PRELUDE_DTS } from '../typescript/session';

export const PRELUDE_DTS = DEFAULT_PRELUDE_DTS + `
interface KernelComm {
  readonly id: string;
  readonly targetName: string;
  /** Sends \`data\` to the frontend's end of the comm. */
  send(data: unknown, metadata?: unknown): void;
  /** Closes the comm (the frontend gets comm_close). */
  close(data?: unknown): void;
  onMsg(handler: (data: any, metadata?: any) => void): void;
  onClose(handler: (data: any) => void): void;
}
/** Jupyter comms: register a target the frontend opens, or open one from the kernel. */
declare const comms: {
  registerTarget(targetName: string, onOpen: (comm: KernelComm, data: any) => void): void;
  unregisterTarget(targetName: string): void;
  open(targetName: string, data?: unknown, metadata?: unknown): KernelComm;
};
`;
