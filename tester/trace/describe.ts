// Short text for one structured line, as a column of the printer shows it
// (and the page's tooltips). A line that names one peer has a template with
// '{}' where the peer goes, so that the printer can merge the same message to
// several peers ("AE→S1,S2,S3 T4").
import { MONITOR_CHECKS, isMonitorCheckId } from '../check-ids.ts';
import { host, shortMethod, type Detail, type Json, type TraceLine } from './structured.ts';

export interface Description {
  /** The text with the peer filled in. */
  text: string;
  /** The same text with '{}' for the peer, or undefined when the line names no single peer. */
  template?: string;
  peer?: number;
}

export function describeLine(line: TraceLine): Description {
  const d = line.detail;
  const term = line.term === null ? '' : ` T${line.term}`;
  const event = str(d.event);
  switch (line.kind) {
    case 'timer':
      return { text: `timeout: candidate T${num(d.term)}` };
    case 'term':
      return { text: `term ${d.previous === null || d.previous === undefined ? '?' : num(d.previous)}→${num(d.term)}` };
    case 'leader':
      return { text: `LEADER T${num(d.term)}` };
    case 'vote-request':
      return peerText(`RV→{}${argTerm(d)}`, d.to);
    case 'heartbeat':
      return peerText(`AE→{}${argTerm(d)}`, d.to);
    case 'vote-grant':
      return event === 'reply' ? peerText(`got vote ←{}${argTerm(d)}`, d.to) : peerText(`vote for {}${argTerm(d)}`, d.from);
    case 'vote-deny':
      return event === 'reply' ? peerText(`denied ←{}${replyTermIfOther(d)}`, d.to) : peerText(`deny {}${argTerm(d)}${replyTermIfOther(d, ', mine ')}`, d.from);
    case 'heartbeat-reply': {
      const ok = field(d.reply, 'success') === true;
      return event === 'reply'
        ? peerText(`AE ${ok ? 'ok' : 'rejected'} ←{}${ok ? '' : replyTermIfOther(d)}`, d.to)
        : peerText(`AE←{}${argTerm(d)} ${ok ? 'ok' : `reject${replyTermIfOther(d, ', mine ')}`}`, d.from);
    }
    case 'drop': {
      const reason = str(d.reason);
      const replyLost = reason === 'reply-dropped' || reason === 'reply-link-down';
      return peerText(`${method(d)}${replyLost ? ' reply ←{}' : '→{}'} lost: ${reason}`, d.to);
    }
    case 'delay':
      return d.stage === 'reply' ? peerText(`${method(d)} reply→{} delayed ${num(d.ms)}ms`, d.from) : peerText(`${method(d)}→{} delayed ${num(d.ms)}ms`, d.to);
    case 'duplicate':
      return peerText(`${method(d)}→{} duplicated +${num(d.ms)}ms`, d.to);
    case 'connectivity':
      return connectivity(line, d);
    case 'log':
      if (event === 'submit') return { text: `start(${JSON.stringify(d.command)}) → ${num(d.index)}${d.isLeader === true ? '' : ' not leader'}` };
      if (event === 'apply' && d.snapshotValid === true) return { text: `apply snapshot ≤${num(d.snapshotIndex)} T${num(d.snapshotTerm)}` };
      if (event === 'apply') return { text: `apply ${num(d.index)}: ${JSON.stringify(d.command)}` };
      if (event === 'snapshot') return { text: `snapshot(${num(d.index)}) ${num(d.size)}B` };
      if (event === 'log-state') return { text: logStateText(d) };
      return { text: `persist ${num(d.size)}B${typeof d.snapshotIndex === 'number' ? ` snap≤${d.snapshotIndex}` : ''}` };
    case 'step':
      if (d.name === 'cluster') return { text: `── cluster of ${num(d.n)}, seed ${num(d.seed)}, ${str(d.clock)} time` };
      return { text: `── ${str(d.name)}${d.detail ? `: ${str(d.detail)}` : ''}` };
    case 'check':
      return { text: `${d.ok === true ? '✓' : '✗'} ${str(d.name)} ${d.ok === true ? 'ok' : 'FAILED'}: ${str(d.detail)}` };
    case 'violation':
      return { text: `VIOLATION ${violationText(d)}` };
    case 'warning':
      if (event === 'violation') return { text: `warning: ${violationText(d)}` };
      if (event === 'step') return { text: str(d.detail) };
      if (event === 'misuse') return { text: `MISUSE ${str(d.message)}` };
      if (event === 'handler-error') return peerText(`handler threw on ${method(d)} from {}: ${str(d.error)}`, d.from);
      if (event === 'handler-stuck') return peerText(`handler stuck ${num(d.ms)}ms on ${method(d)} from {}`, d.from);
      if (event === 'fail') return peerText(`${method(d)}→{} failed: ${str(d.reason)}`, d.to);
      return { text: `warning${term}` };
  }
}

/** "log …7@T3 commit 5 applied 4": the last entry (index@term), commit index, last applied. */
export function logStateText(d: Detail): string {
  const last = typeof d.last === 'number' ? `${d.exact === true ? '' : '≥'}${d.last}${typeof d.lastTerm === 'number' ? `@T${d.lastTerm}` : ''}` : '?';
  return `log …${last} commit ${num(d.commit)} applied ${num(d.applied)}`;
}

/** "[ES] election safety: term 2 has two leaders ..." */
export function violationText(d: Detail): string {
  const check = str(d.check);
  const name = isMonitorCheckId(check) ? MONITOR_CHECKS[check].name : undefined;
  return `[${check}]${name !== undefined ? ` ${name}` : ''}: ${str(d.message)}`;
}

function connectivity(line: TraceLine, d: Detail): Description {
  switch (str(d.event)) {
    case 'connect':
      return { text: 'connected' };
    case 'disconnect':
      return { text: 'DISCONNECTED' };
    case 'crash':
      return { text: 'CRASHED' };
    case 'kill':
      return { text: 'KILLED (end of run)' };
    case 'start':
      return { text: `started #${num(d.incarnation)}${typeof d.snapshotIndex === 'number' ? ` from snapshot ≤${d.snapshotIndex}` : ''}` };
    case 'server':
      return { text: `server ${d.present === true ? 'added' : 'deleted'}` };
    case 'end':
      return peerText(`link→{} ${d.enabled === true ? 'on' : 'off'}`, d.to);
    case 'link':
      return peerText(`link→{} ${d.up === true ? 'restored' : 'CUT'}`, d.to);
    case 'net-config': {
      const extras = [
        d.longReordering === true ? 'long reordering' : '',
        typeof d.duplicateRate === 'number' && d.duplicateRate > 0 ? `duplicates ${d.duplicateRate}` : '',
        Array.isArray(d.holdGroup) ? `replies inside {${d.holdGroup.map((x) => str(x)).join(',')}} held ${num(d.holdMs)}ms` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return { text: `── network ${d.reliable === true ? 'reliable' : 'UNRELIABLE'}${extras ? `, ${extras}` : ''}` };
    }
    case 'step':
      return { text: `── ${str(d.name)}${d.detail ? `: ${str(d.detail)}` : ''}` };
    default:
      return { text: `${str(d.event)}${line.server === null ? '' : ` S${line.server}`}` };
  }
}

function peerText(template: string, peerField: Json | undefined): Description {
  const peer = host(typeof peerField === 'number' || typeof peerField === 'string' ? peerField : undefined);
  if (peer === null) return { text: template.replace('{}', peerField === undefined ? '?' : str(peerField)) };
  return { text: template.replace('{}', `S${peer}`), template, peer };
}

function argTerm(d: Detail): string {
  const t = field(d.args, 'term');
  return typeof t === 'number' ? ` T${t}` : '';
}

/** The answerer's term when it differs from the request's. */
function replyTermIfOther(d: Detail, prefix = ' '): string {
  const replyTerm = field(d.reply, 'term');
  const argsTerm = field(d.args, 'term');
  return typeof replyTerm === 'number' && replyTerm !== argsTerm ? `${prefix}T${replyTerm}` : '';
}

function method(d: Detail): string {
  const m = str(d.method);
  return m === 'Raft.RequestVote' ? 'RV' : m === 'Raft.AppendEntries' ? 'AE' : shortMethod(m);
}

function field(value: Json | undefined, key: string): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;
}

function str(value: Json | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function num(value: Json | undefined): string {
  return typeof value === 'number' ? String(value) : str(value);
}
