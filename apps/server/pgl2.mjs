import { PGlite } from '@electric-sql/pglite';
let t0 = Date.now();
const db = new PGlite(); await db.waitReady; console.log('first', Date.now() - t0);
t0 = Date.now();
const db2 = new PGlite(); await db2.waitReady; console.log('second in-process', Date.now() - t0);
t0 = Date.now();
const c = await db.clone?.(); console.log('clone', typeof c, Date.now()-t0);
