export * from '../../src/bench/udp-relay.js';
