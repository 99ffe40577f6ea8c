// Servers and services: "Service.Method" dispatch and its error messages.
import { expect } from 'chai';
import { Server, Service, type Lookup } from '../../labrpc/service.ts';

function handlerOf(lookup: Lookup): (args: unknown) => unknown {
  if ('error' in lookup) expect.fail(lookup.error);
  return lookup.handler as (args: unknown) => unknown;
}

describe('labrpc Server and Service', function () {
  it('dispatches "Service.Method" to the handler of that name', function () {
    const server = new Server();
    server.addService(new Service('Raft', { RequestVote: (a: { n: number }) => a.n + 1, AppendEntries: () => 'ae' }));
    server.addService(new Service('KV', { Get: () => 'kv' }));
    expect(handlerOf(server.lookup('Raft.RequestVote'))({ n: 1 })).to.equal(2);
    expect(handlerOf(server.lookup('Raft.AppendEntries'))({})).to.equal('ae');
    expect(handlerOf(server.lookup('KV.Get'))({})).to.equal('kv');
    expect(new Service('Raft', { A: () => 1, B: () => 2 }).methodNames()).to.deep.equal(['A', 'B']);
    expect(server.count).to.equal(0);
  });

  it('splits at the last dot', function () {
    const server = new Server();
    server.addService(new Service('a.b', { M: () => 'dotted' }));
    expect(handlerOf(server.lookup('a.b.M'))({})).to.equal('dotted');
  });

  it('says clearly what is wrong with an unknown service or method', function () {
    const server = new Server();
    expect(server.lookup('Raft.X')).to.deep.equal({ error: "unknown service 'Raft' in 'Raft.X' (known services: none)" });
    server.addService(new Service('Raft', { RequestVote: () => 1 }));
    expect(server.lookup('Raft.X')).to.deep.equal({ error: "unknown method 'Raft.X' (known methods: Raft.RequestVote)" });
    expect(server.lookup('Raf.RequestVote')).to.deep.equal({ error: "unknown service 'Raf' in 'Raf.RequestVote' (known services: Raft)" });
  });

  it('a service added later under the same name replaces the earlier one, even after a lookup', function () {
    const server = new Server();
    server.addService(new Service('Raft', { RequestVote: () => 'old' }));
    expect(handlerOf(server.lookup('Raft.RequestVote'))({})).to.equal('old');
    server.addService(new Service('Raft', { RequestVote: () => 'new' }));
    expect(handlerOf(server.lookup('Raft.RequestVote'))({})).to.equal('new');
  });
});
