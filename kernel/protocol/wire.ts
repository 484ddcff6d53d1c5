// Jupyter wire format (messaging 5.3): ZeroMQ frames <-> messages, HMAC-SHA256 signing and verification.
// Threat: any local process can connect to the ports, so a message whose signature does not match the key is
// dropped, never executed. The signature covers the frames as received (not a re-serialization) and is compared
// in constant time.
import * as crypto from 'node:crypto';

export const PROTOCOL_VERSION = '5.3';
const DELIM = Buffer.from('<IDS|MSG>');

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface Message {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** Why a message was dropped (logged by the server). */
export class WireError extends Error {}

export class Codec {
  private readonly key: Buffer;
  readonly session = crypto.randomUUID();

  constructor(key: string, scheme: string) {
    if (key && scheme !== 'hmac-sha256') throw new WireError(`signature_scheme '${scheme}' is not supported (use hmac-sha256)`);
    this.key = Buffer.from(key, 'utf8');
  }

  private sign(parts: Buffer[]): string {
    if (this.key.length === 0) return '';
    const h = crypto.createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  /** Frames -> message; throws WireError for a bad signature or a malformed message. */
  decode(frames: Buffer[]): Message {
    const at = frames.findIndex((f) => f.equals(DELIM));
    if (at < 0) throw new WireError('no <IDS|MSG> delimiter');
    if (frames.length < at + 6) throw new WireError(`expected 5 frames after the delimiter, got ${frames.length - at - 1}`);
    const [sig, h, p, m, c] = frames.slice(at + 1, at + 6);
    if (this.key.length > 0) {
      const want = Buffer.from(this.sign([h, p, m, c]), 'utf8');
      const got = Buffer.from(sig);
      // timingSafeEqual needs equal lengths; the length of a hex digest is public anyway
      if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) throw new WireError('bad signature');
    }
    const parse = (b: Buffer, what: string): Record<string, unknown> => {
      let v: unknown;
      try {
        v = JSON.parse(b.toString('utf8'));
      } catch {
        throw new WireError(`${what} is not JSON`);
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new WireError(`${what} is not an object`);
      return v as Record<string, unknown>;
    };
    const header = parse(h, 'header');
    if (typeof header.msg_type !== 'string' || typeof header.msg_id !== 'string') {
      throw new WireError('header lacks msg_type or msg_id');
    }
    return {
      identities: frames.slice(0, at),
      header: header as unknown as Header,
      parent_header: parse(p, 'parent_header'),
      metadata: parse(m, 'metadata'),
      content: parse(c, 'content'),
      buffers: frames.slice(at + 6),
    };
  }

  /** A new message of `msgType` answering `parent` (or unsolicited when parent is undefined) -> frames. */
  encode(
    msgType: string, content: object, parent?: Message, identities: Buffer[] = [], metadata: object = {},
  ): Buffer[] {
    const header: Header = {
      msg_id: crypto.randomUUID(), session: this.session, username: 'kernel', date: new Date().toISOString(),
      msg_type: msgType, version: PROTOCOL_VERSION,
    };
    const parts = [header, parent ? parent.header : {}, metadata, content].map((o) => Buffer.from(JSON.stringify(o), 'utf8'));
    return [...identities, DELIM, Buffer.from(this.sign(parts), 'utf8'), ...parts];
  }
}
