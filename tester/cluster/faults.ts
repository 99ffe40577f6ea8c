// The fault injector: the network's settings as the lab's tests change them
// (unreliable, long reordering), plus ours (loss rates, duplicates, one-way
// links, partitions, held replies). Every change is an event, so monitors and
// traces see it.
import { LAB_UNRELIABLE, type Network, type UnreliableProfile } from '../../labrpc/network.ts';
import type { TesterEvent } from '../events.ts';

export class FaultInjector {
  constructor(
    private readonly net: Network,
    private readonly emit: (e: TesterEvent) => void,
    private readonly step: (name: string, detail?: string) => void,
    private readonly now: () => number,
  ) {}

  setUnreliable(unreliable: boolean): void {
    this.net.reliable(!unreliable);
    this.emitNetConfig();
  }

  setLongReordering(on: boolean): void {
    this.net.longReordering(on);
    this.emitNetConfig();
  }

  /** Beyond the lab: the unreliable network's rates, and duplicates. */
  setFaults(profile: UnreliableProfile = LAB_UNRELIABLE, duplicateRate = 0): void {
    this.net.setUnreliableProfile(profile);
    this.net.setDuplicateRate(duplicateRate);
    this.emitNetConfig();
  }

  /** Beyond the lab: cuts or restores the one-way link from server i to server j. */
  setLink(from: number, to: number, up: boolean): void {
    this.step(up ? 'restore link' : 'cut link', `${from} -> ${to}`);
    this.net.setLink(from, to, up);
  }

  /** Beyond the lab: links inside each group up, between groups down. */
  partition(groups: readonly (readonly number[])[]): void {
    this.step('partition', groups.map((g) => `{${g.join(',')}}`).join(' | '));
    this.net.partition(groups);
  }

  /** Beyond the lab: restores every one-way link (connect/disconnect are separate). */
  healLinks(): void {
    this.step('heal links');
    this.net.healLinks();
  }

  /**
   * Beyond the lab (a nemesis): replies between servers of `group` are held
   * `ms` each before delivery; releaseReplies() delivers what is held at once.
   */
  holdReplies(group: readonly number[], ms: number): void {
    this.step('hold replies', `inside {${group.join(',')}} ${ms} ms`);
    this.net.holdReplies(group, ms);
    this.emitNetConfig();
  }

  /** Stops holding replies and delivers every held one now. Returns how many. */
  releaseReplies(): number {
    const hold = this.net.getHold();
    const released = this.net.releaseReplies();
    if (hold !== undefined || released > 0) {
      this.step('release replies', `${released} held`);
      this.emitNetConfig();
    }
    return released;
  }

  private emitNetConfig(): void {
    const net = this.net;
    this.emit({
      kind: 'net-config',
      t: this.now(),
      reliable: net.isReliable(),
      longReordering: net.isLongReordering(),
      duplicateRate: net.getDuplicateRate(),
      ...net.getUnreliableProfile(),
      ...holdFields(net),
    });
  }
}

function holdFields(net: Network): { holdGroup?: number[]; holdMs?: number } {
  const hold = net.getHold();
  if (hold === undefined) return {};
  return { holdGroup: hold.hosts.filter((h): h is number => typeof h === 'number').sort((a, b) => a - b), holdMs: hold.ms };
}
