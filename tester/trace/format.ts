// One readable line per event, for replay's printout.
import type { TesterEvent } from '../events.ts';

export function formatEvent(e: TesterEvent): string {
  const time = `${e.t.toFixed(0).padStart(7)} ms`;
  switch (e.kind) {
    case 'send':
      return `${time}  S${String(e.from)} -> S${String(e.to)}  ${shortMethod(e.method)} #${e.id} ${compact(e.args)}`;
    case 'deliver':
      return `${time}  S${String(e.to)} <- S${String(e.from)}  ${shortMethod(e.method)} #${e.id} delivered${e.duplicate ? ' (duplicate)' : ''}`;
    case 'handled':
      return `${time}  S${String(e.to)} answers S${String(e.from)}  ${shortMethod(e.method)} #${e.id} ${compact(e.reply)}`;
    case 'reply':
      return `${time}  S${String(e.from)} <- S${String(e.to)}  ${shortMethod(e.method)} #${e.id} reply ${compact(e.reply)}`;
    case 'fail':
      return `${time}  S${String(e.from)} x  S${String(e.to)}  ${shortMethod(e.method)} #${e.id} failed: ${e.reason}`;
    case 'delay':
      return `${time}  ${shortMethod(e.method)} #${e.id} ${e.stage} delayed ${e.ms} ms`;
    case 'duplicate':
      return `${time}  ${shortMethod(e.method)} #${e.id} duplicated (copy in ${e.ms} ms)`;
    case 'handler-stuck':
      return `${time}  S${String(e.to)} handler still running after ${e.ms} ms on ${shortMethod(e.method)} #${e.id}`;
    case 'handler-error':
      return `${time}  S${String(e.to)} handler threw on ${shortMethod(e.method)} #${e.id}: ${e.error}`;
    case 'misuse':
      return `${time}  MISUSE ${e.message}`;
    case 'end':
      return `${time}  link S${String(e.from)} -> S${String(e.to)} ${e.enabled ? 'enabled' : 'disabled'}`;
    case 'link':
      return `${time}  one-way link S${String(e.from)} -> S${String(e.to)} ${e.up ? 'restored' : 'cut'}`;
    case 'server':
      return `${time}  server ${String(e.name)} ${e.present ? 'added' : 'deleted'}`;
    case 'cluster':
      return `${time}  cluster of ${e.n}, seed ${e.seed}, ${e.clock} time`;
    case 'state':
      return `${time}  S${e.server} getState: term ${e.term}${e.isLeader ? ', LEADER' : ''}`;
    case 'start':
      return `${time}  S${e.server} started (incarnation ${e.incarnation})${e.snapshotIndex !== undefined ? `, the tester ingested its snapshot up to index ${e.snapshotIndex}` : ''}`;
    case 'crash':
      return `${time}  S${e.server} crashed`;
    case 'kill':
      return `${time}  S${e.server} killed: the run is over (its replies are lost from now on)`;
    case 'connect':
    case 'disconnect':
      return `${time}  ${e.kind} S${e.server}`;
    case 'submit':
      return `${time}  S${e.server} start(${compact(e.command)}) -> index ${e.index}, term ${e.term}${e.isLeader ? ', leader' : ', not leader'}`;
    case 'apply':
      return `${time}  S${e.server} applies ${e.commandValid ? `index ${e.index}: ${compact(e.command)}` : e.snapshotValid === true ? `a snapshot up to index ${String(e.snapshotIndex)} (term ${String(e.snapshotTerm)})` : '(not a command)'}${e.incarnation > 0 ? ` (incarnation ${e.incarnation})` : ''}`;
    case 'snapshot':
      return `${time}  S${e.server} snapshot(${e.index}) called by the tester (${e.size} bytes)`;
    case 'persist':
      return `${time}  S${e.server} persists ${e.size} bytes${e.snapshotSize === undefined ? '' : `, with a snapshot of ${e.snapshotSize} bytes${e.snapshotIndex === undefined ? '' : ` up to index ${e.snapshotIndex}`}`}`;
    case 'net-config':
      return `${time}  network: ${e.reliable ? 'reliable' : 'unreliable'}${e.longReordering ? ', long reordering' : ''}${e.duplicateRate > 0 ? `, duplicates ${e.duplicateRate}` : ''}${e.holdGroup !== undefined ? `, replies inside {${e.holdGroup.join(',')}} held ${e.holdMs ?? 0} ms` : ''}`;
    case 'step':
      return `${time}  ---- ${e.name}${e.detail ? `: ${e.detail}` : ''}`;
    case 'check':
      return `${time}  ---- ${e.name} ${e.ok ? 'ok' : 'FAILED'}: ${e.detail}`;
    case 'violation':
      return `${time}  !!!! ${e.fatal ? 'VIOLATION' : 'warning'} [${e.check}] ${e.message}`;
  }
}

function shortMethod(method: string): string {
  return method.startsWith('Raft.') ? method.slice(5) : method;
}

function compact(value: unknown): string {
  return JSON.stringify(value)?.replace(/"(\w+)":/g, '$1:') ?? String(value);
}
