/**
 * Jest setup: the library prints its warnings on stderr at synth; the suite synthesizes hundreds of stacks
 * whose warnings are expected. test/warnings.test.ts checks the printing with the real sink.
 */
import { setWarningSink } from '../../src/core/synth';

setWarningSink(() => undefined);
