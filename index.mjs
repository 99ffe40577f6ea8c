// The package's main entry: the contract (raft/contract.ts). Its types are
// what a Raft module needs (`import type { MakeRaft } from '...'`); its few
// values (the RPC names, the method lists) load through tsx.
import './tester/tsx-register.mjs';

const contract = await import('./raft/contract.ts');
export const { RPC, MESSAGE_FIELDS, OPTIONAL_REPLY_FIELDS, LOG_ENTRY_FIELDS, RAFT_PEER_METHODS, RAFT_LOG_METHODS } = contract;
