// The slot that names the call a thread is in (runtime/in-call.ts): the
// watchdog reads it when it stops a thread stuck in a call that never returns.
import { expect } from 'chai';
import { CALL_HANDLER, CALL_START, CALL_TIMER, describeCall, enterCall, leaveCall, shareCallSlot } from '../../runtime/in-call.ts';

describe('in-call: the call a thread is in, readable from another thread', function () {
  it('names the innermost call, and what was in progress again once it returns', function () {
    const buffer = shareCallSlot();
    expect(describeCall(buffer)).to.equal(undefined);
    const outer = enterCall(CALL_TIMER, 0);
    expect(describeCall(buffer)).to.equal('a timer callback of server 0');
    const inner = enterCall(CALL_HANDLER, 2);
    expect(describeCall(buffer)).to.equal('an RPC handler of server 2');
    leaveCall(inner);
    expect(describeCall(buffer)).to.equal('a timer callback of server 0');
    leaveCall(outer);
    expect(describeCall(buffer)).to.equal(undefined);
    const start = enterCall(CALL_START, 4);
    expect(describeCall(buffer)).to.equal("server 4's start()");
    leaveCall(start);
    const unknown = enterCall(CALL_TIMER, -1);
    expect(describeCall(buffer)).to.equal('a timer callback');
    leaveCall(unknown);
    expect(describeCall(buffer)).to.equal(undefined);
  });
});
