// Jupyter comms inside the executor: the small API library code uses (register a target the frontend opens,
// or open a comm from the kernel side). Transport is a callback the worker installs (posts to the main thread).
import * as crypto from 'node:crypto';

type Send = (op: 'open' | 'msg' | 'close', commId: string, data: unknown, metadata?: unknown, targetName?: string) => void;

/** One end of a comm. `onMsg`/`onClose` receive the frontend's `data`. */
export class Comm {
  private msgHandlers: ((data: unknown, metadata?: unknown) => void)[] = [];
  private closeHandlers: ((data: unknown) => void)[] = [];
  closed = false;
  constructor(readonly id: string, readonly targetName: string, private readonly manager: CommManager) {}
  /** Sends `data` to the frontend's end. @example comm.send({ value: 3 }) */
  send(data: unknown, metadata?: unknown): void {
    if (this.closed) throw new Error(`comm ${this.id}: send after close`);
    this.manager.transport('msg', this.id, data, metadata);
  }
  /** Closes the comm (the frontend gets comm_close). */
  close(data: unknown = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.manager.transport('close', this.id, data);
    this.manager.forget(this.id);
  }
  onMsg(handler: (data: unknown, metadata?: unknown) => void): void { this.msgHandlers.push(handler); }
  onClose(handler: (data: unknown) => void): void { this.closeHandlers.push(handler); }
  /** @internal */ deliver(data: unknown, metadata?: unknown): void { for (const h of this.msgHandlers) h(data, metadata); }
  /** @internal */ closedByFrontend(data: unknown): void {
    this.closed = true;
    for (const h of this.closeHandlers) h(data);
  }
}

/** The comm registry of one executor. */
export class CommManager {
  private readonly targets = new Map<string, (comm: Comm, data: unknown) => void>();
  private readonly comms = new Map<string, Comm>();
  transport: Send = () => { throw new Error('comms: no frontend is connected'); };

  /** Called when the frontend opens a comm with `targetName`. @example comms.registerTarget('echo', (c) => c.onMsg((d) => c.send(d))) */
  registerTarget(targetName: string, onOpen: (comm: Comm, data: unknown) => void): void {
    this.targets.set(targetName, onOpen);
  }
  unregisterTarget(targetName: string): void { this.targets.delete(targetName); }

  /** Opens a comm from the kernel side. @example const c = comms.open('my.target', { hello: 1 }) */
  open(targetName: string, data: unknown = {}, metadata?: unknown): Comm {
    const comm = new Comm(crypto.randomUUID().replace(/-/g, ''), targetName, this);
    this.comms.set(comm.id, comm);
    this.transport('open', comm.id, data, metadata, targetName);
    return comm;
  }

  /** @internal The frontend sent comm_open/comm_msg/comm_close. */
  fromFrontend(op: 'open' | 'msg' | 'close', commId: string, data: unknown, metadata: unknown, targetName?: string): void {
    if (op === 'open') {
      const onOpen = targetName === undefined ? undefined : this.targets.get(targetName);
      if (!onOpen) {
        this.transport('close', commId, {}); // unknown target: close it, as ipykernel does
        return;
      }
      const comm = new Comm(commId, targetName!, this);
      this.comms.set(commId, comm);
      onOpen(comm, data);
    } else if (op === 'msg') {
      this.comms.get(commId)?.deliver(data, metadata);
    } else {
      const comm = this.comms.get(commId);
      this.comms.delete(commId);
      comm?.closedByFrontend(data);
    }
  }
  /** @internal */ forget(commId: string): void { this.comms.delete(commId); }
}
