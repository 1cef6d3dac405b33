import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-identity-resolution.js';
import * as m0003 from './0003-report-indexes.js';
import * as m0004 from './0004-session-persons.js';
import * as m0005 from './0005-journey-touches.js';
import * as m0006 from './0006-lead-touches.js';
import * as m0007 from './0007-report-views.js';
import * as m0008 from './0008-conversion-touches.js';
import * as m0009 from './0009-moment-tallies.js';
import * as m0010 from './0010-touch-pass-index.js';
import * as m0011 from './0011-touch-tallies.js';

/** Ordered, append-only: a released migration is never edited; a change is a new one. */
export const migrations: { version: number; name: string; sql: string }[] = [
  { version: 1, name: 'initial', sql: m0001.sql },
  { version: 2, name: 'identity-resolution', sql: m0002.sql },
  { version: 3, name: 'report-indexes', sql: m0003.sql },
  { version: 4, name: 'session-persons', sql: m0004.sql },
  { version: 5, name: 'journey-touches', sql: m0005.sql },
  { version: 6, name: 'lead-touches', sql: m0006.sql },
  { version: 7, name: 'report-views', sql: m0007.sql },
  { version: 8, name: 'conversion-touches', sql: m0008.sql },
  { version: 9, name: 'moment-tallies', sql: m0009.sql },
  { version: 10, name: 'touch-pass-index', sql: m0010.sql },
  { version: 11, name: 'touch-tallies', sql: m0011.sql },
];
