import { describe, expect, it } from 'vitest';
import { Admission, type Admitted } from '../../src/server/admission.js';

const limits = { connections: 6, connectionsPerAddress: 4, unauthenticated: 3, unauthenticatedPerAddress: 2 };

function setup() {
  const evicted: string[] = [];
  const admission = new Admission<Admitted>(limits, (peer, why) => evicted.push(`${peer.remote} (${why})`));
  let port = 0;
  /** Admit a newcomer from `address` if there is room; its remote name, or the refusal. */
  const arrive = (address: string): Admitted | string => {
    const refusal = admission.makeRoom(address);
    if (refusal) return refusal;
    const peer = { address, remote: `${address}:${++port}`, authenticated: false };
    admission.add(peer);
    return peer;
  };
  return { admission, evicted, arrive };
}

describe('Admission', () => {
  it('closes the oldest unauthenticated peer when the pool is full, never a newcomer', () => {
    const { admission, evicted, arrive } = setup();
    for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) arrive(a);
    expect(admission.unauthenticated).toBe(3);
    arrive('10.0.0.4');
    expect(evicted).toEqual(['10.0.0.1:1 (more than 3 connections waiting for their handshake; the oldest unauthenticated one was closed)']);
    expect(admission.unauthenticated).toBe(3);
  });

  it("caps one address, closing that address's own oldest", () => {
    const { evicted, arrive } = setup();
    arrive('10.0.0.9');
    arrive('10.0.0.1');
    arrive('10.0.0.1');
    arrive('10.0.0.1');
    expect(evicted).toEqual([expect.stringMatching(/^10\.0\.0\.1:2 \(more than 2 connections from 10\.0\.0\.1 waiting/)]);
  });

  it('keeps authenticated peers, and refuses only when they hold all the room', () => {
    const { admission, evicted, arrive } = setup();
    const peers: Admitted[] = [];
    for (let i = 0; i < 6; i++) {
      const p = arrive(`10.0.1.${i}`) as Admitted;
      admission.authenticated(p);
      peers.push(p);
    }
    expect(evicted).toEqual([]);
    expect(arrive('10.0.2.1')).toBe('more than 6 connections');
    admission.remove(peers[0]!);
    admission.remove(peers[0]!); // idempotent
    expect(typeof arrive('10.0.2.1')).toBe('object');
    expect(admission.size).toBe(6);
  });

  it('lets an unauthenticated newcomer push out a waiting one when the total is full', () => {
    const { admission, evicted, arrive } = setup();
    for (let i = 0; i < 5; i++) admission.authenticated(arrive(`10.0.3.${i}`) as Admitted);
    arrive('10.0.4.1');
    arrive('10.0.4.2');
    expect(evicted).toEqual([expect.stringMatching(/^10\.0\.4\.1:6 \(more than 6 connections;/)]);
    expect(admission.size).toBe(6);
  });
});
