// The package's main entry for require(): where a Raft module in a
// CommonJS project (npm init -y writes "type": "commonjs") ends up when it
// imports the contract's values (`import { RPC } from '...'` compiles to
// require()). index.mjs cannot serve it: it loads the contract with a
// top-level await, which a require() cannot wait for. Here the contract
// loads synchronously, through a tsx require of its own (a namespaced one:
// the process's other hooks, if any, are left as they are), with the
// harness's own tsconfig.
'use strict';
const { join } = require('node:path');
const { register } = require('tsx/cjs/api');

const previous = process.env.TSX_TSCONFIG_PATH;
process.env.TSX_TSCONFIG_PATH = join(__dirname, 'tsconfig.json');
const tsx = register({ namespace: 'raft-election-harness' });
if (previous === undefined) delete process.env.TSX_TSCONFIG_PATH;
else process.env.TSX_TSCONFIG_PATH = previous;

const contract = tsx.require('./raft/contract.ts', __filename);
module.exports = {
  RPC: contract.RPC,
  MESSAGE_FIELDS: contract.MESSAGE_FIELDS,
  OPTIONAL_REPLY_FIELDS: contract.OPTIONAL_REPLY_FIELDS,
  LOG_ENTRY_FIELDS: contract.LOG_ENTRY_FIELDS,
  RAFT_PEER_METHODS: contract.RAFT_PEER_METHODS,
  RAFT_LOG_METHODS: contract.RAFT_LOG_METHODS,
};
