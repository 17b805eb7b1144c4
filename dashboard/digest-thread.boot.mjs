// Entry of the dashboard's digest worker thread. Worker threads do not inherit the TypeScript loader of the thread
// that starts them (Node 20), so this registers it before loading the worker's code.
import { register } from 'tsx/esm/api';

register();
await import('./digest-thread.ts');
