// The kernel's five ZeroMQ sockets, bound where the connection file says. Each receive loop survives
// anything a peer sends (bad frames are the server's to drop), and sends on one socket are serialized
// (zeromq 6 allows one send in flight per socket).
import * as zmq from 'zeromq';

export interface ConnectionInfo {
  transport: 'tcp' | 'ipc';
  ip: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

function address(c: ConnectionInfo, port: number): string {
  return c.transport === 'ipc' ? `ipc://${c.ip}-${port}` : `tcp://${c.ip}:${port}`;
}

/** Serializes sends on one socket. */
class Sender {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly sock: zmq.Writable & zmq.Socket, private readonly log: (s: string) => void) {}
  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(
      () => this.sock.send(frames),
    ).catch((e: Error) => this.log(`send failed: ${e.message}`));
    return this.tail;
  }
}

export type Channel = 'shell' | 'control' | 'stdin';

export class Sockets {
  readonly shell = new zmq.Router({ linger: 1000 });
  readonly control = new zmq.Router({ linger: 1000 });
  readonly stdin = new zmq.Router({ linger: 1000 });
  readonly iopub = new zmq.Publisher({ linger: 1000 });
  readonly hb = new zmq.Reply({ linger: 0 });
  private readonly senders: Record<Channel | 'iopub', Sender>;
  private closed = false;

  constructor(private readonly conn: ConnectionInfo, private readonly log: (s: string) => void) {
    this.senders = {
      shell: new Sender(this.shell, log), control: new Sender(this.control, log),
      stdin: new Sender(this.stdin, log), iopub: new Sender(this.iopub, log),
    };
  }

  async bind(): Promise<void> {
    const c = this.conn;
    await Promise.all([
      this.shell.bind(address(c, c.shell_port)), this.control.bind(address(c, c.control_port)),
      this.stdin.bind(address(c, c.stdin_port)), this.iopub.bind(address(c, c.iopub_port)),
      this.hb.bind(address(c, c.hb_port)),
    ]);
  }

  /** Starts the receive loops; `onFrames` gets every multipart message of shell, control and stdin. */
  listen(onFrames: (ch: Channel, frames: Buffer[]) => void): void {
    const loop = async (ch: Channel, sock: zmq.Router) => {
      while (!this.closed) {
        try {
          const frames = await sock.receive();
          onFrames(ch, frames);
        } catch (e) {
          if (this.closed) return;
          this.log(`${ch}: receive failed: ${(e as Error).message}`);
        }
      }
    };
    void loop('control', this.control);
    void loop('shell', this.shell);
    void loop('stdin', this.stdin);
    void (async () => {
      // heartbeat: echo on the main thread, which never runs user code
      while (!this.closed) {
        try {
          const frames = await this.hb.receive();
          await this.hb.send(frames);
        } catch (e) {
          if (this.closed) return;
          this.log(`heartbeat: ${(e as Error).message}`);
        }
      }
    })();
  }

  send(ch: Channel | 'iopub', frames: Buffer[]): Promise<void> {
    return this.senders[ch].send(frames);
  }

  close(): void {
    this.closed = true;
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
  }
}
