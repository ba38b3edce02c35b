/**
 * What every start does with the audit log before anything records an event,
 * and what `sotto keys rotate` does once the new key is in place: check the
 * keyed-install marker (keyed-marker.ts), move the chains on to the current
 * audit key (checkpoint.ts), and keep the marker in step.
 *
 *   marker                 chains                         then
 *   ---------------------  -----------------------------  -------------------------------------------
 *   absent                 no events yet (fresh install)  write it: this install is keyed from birth
 *   absent                 none tagged                    upgrade them (checkpoint.ts), write it
 *   absent                 some tagged                    write it: keyed before markers existed
 *   valid                  all end tagged                 rewrite it if under a retired key or new
 *                                                          chains appeared (binds them too)
 *   valid (or written)     one ends untagged, else sound  AUDIT_LOG_DOWNGRADED: never tagged over
 *   any                    one broken otherwise           left alone, reported (AUDIT_CHAIN_UNVERIFIED
 *                                                          by the caller); the start goes on
 *   unreadable or forged   any                            AUDIT_MARKER_INVALID: fail closed
 *   another install's      any                            AUDIT_MARKER_FOREIGN: fail closed
 *
 * "Fail closed": with a marker present, no untagged chain is upgraded; with
 * one that cannot be trusted nothing at all is written (no checkpoint, the
 * marker left as it is); the caller (runtime.ts) refuses to start on a
 * report with a problem. Only an absent
 * marker and no tagged event anywhere is the genuine upgrade of an install
 * that predates keyed chains.
 *
 * Ordering. The marker is written after the chains it names are tagged, and
 * replaced atomically (marker-file.ts), so a crash leaves either no marker
 * with tagged chains (the next start writes it) or a complete marker under a
 * key still at hand (after a rotation: under the retired key, kept beside
 * the master key until this has run, and rewritten under the new one).
 */
import { checkpointChains, type CheckpointOptions, type CheckpointOutcome } from './checkpoint.ts';
import { checkKeyedMarker, markerOutdated, writeKeyedMarker, type KeyedMarker } from './keyed-marker.ts';
import { readMarkerFile, writeMarkerFile } from './marker-file.ts';

export type KeyedInstallCode = 'AUDIT_MARKER_INVALID' | 'AUDIT_MARKER_FOREIGN' | 'AUDIT_LOG_DOWNGRADED';

export interface KeyedInstallProblem {
  code: KeyedInstallCode;
  /** For the operator: names the marker file and chain ids, never anything else. */
  message: string;
  /** Chains ending in untagged events but otherwise sound (AUDIT_LOG_DOWNGRADED); empty otherwise. */
  chains: string[];
}

export interface KeyedInstallReport {
  /** What the start found beside the master key. */
  marker: 'absent' | 'valid' | 'refused';
  /** The marker file was (re)written by this run. */
  written: boolean;
  /** Why it could not be written (an errno code); the start goes on, the next one tries again. */
  writeFailed: string | null;
  outcomes: CheckpointOutcome[];
  problem: KeyedInstallProblem | null;
}

export interface KeyedInstallOptions<Tx> extends Omit<CheckpointOptions<Tx>, 'keyedInstall'> {
  markerPath: string;
}

/** A chain whose last event carries no tag after the checkpoints (left alone, or an upgrade that did not verify). */
function untagged(o: CheckpointOutcome): boolean {
  return o.outcome === 'unverified' && o.fromKeyId === null;
}

/**
 * The forgery the marker is for: a chain that holds but for its tags. A
 * chain broken otherwise (an edited event, a malformed row; on an upgrade
 * or at any later start) is reported by the caller (AUDIT_CHAIN_UNVERIFIED)
 * and the start goes on: the append guard refuses appends onto it, and
 * refusing would lock the whole install out over one damaged chain.
 */
function downgrade(o: CheckpointOutcome): boolean {
  return untagged(o) && o.outcome === 'unverified' && o.break?.reason === 'unkeyed_tail';
}

export async function secureKeyedInstall<Tx>(o: KeyedInstallOptions<Tx>): Promise<KeyedInstallReport> {
  const file = await readMarkerFile(o.markerPath);
  let marker: KeyedInstallReport['marker'] = 'absent';
  let valid: KeyedMarker | null = null;
  let problem: KeyedInstallProblem | null = null;
  if (file.state === 'unreadable') {
    marker = 'refused';
    problem = {
      code: 'AUDIT_MARKER_INVALID',
      message: `the audit marker ${o.markerPath} cannot be read (${file.errno}), so Sotto cannot tell whether this install's audit log is keyed: make it readable by Sotto's user (owner-only, like the master key) or restore it from the backup of the master key`,
      chains: [],
    };
  } else if (file.state === 'present') {
    const check = checkKeyedMarker(file.text, o.keys, new Set(await o.store.chainKeys()));
    if (check.ok) {
      marker = 'valid';
      valid = check.marker;
    } else {
      marker = 'refused';
      problem = {
        code: check.code,
        message: `the audit marker ${o.markerPath} is refused: ${check.why}; Sotto will not vouch for an audit log it cannot place: restore the marker from the same backup as the master key (README, Audit log)`,
        chains: [],
      };
    }
  }

  // A marker that cannot be trusted stops here: nothing is written onto a log no one can place (the caller refuses the start).
  if (problem !== null) return { marker, written: false, writeFailed: null, outcomes: [], problem };
  const outcomes = await checkpointChains({ ...o, keyedInstall: marker !== 'absent' });
  const chainsNow = new Set(await o.store.chainKeys());
  // Absent: keyed if it has no events yet (it starts keyed) or any chain now ends tagged (keyed before markers, or upgraded just now).
  const keyed = marker !== 'absent' || outcomes.length === 0 || outcomes.some((x) => !untagged(x));

  let written = false;
  let writeFailed: string | null = null;
  if (keyed && (valid === null || markerOutdated(valid, o.keys, chainsNow))) {
    try {
      await writeMarkerFile(o.markerPath, writeKeyedMarker(o.keys.current, chainsNow, new Date(o.clock.now())));
      written = true;
    } catch (e) {
      writeFailed = (e as NodeJS.ErrnoException).code ?? 'ERROR';
    }
  }

  const downgraded = outcomes.filter(downgrade).map((x) => x.chain);
  if (keyed && downgraded.length > 0) {
    problem = {
      code: 'AUDIT_LOG_DOWNGRADED',
      message: `audit chain(s) ${downgraded.join(', ')} end in untagged events, but this install's audit log is keyed (${o.markerPath}): the database was rewritten by someone without the master key, or restored from a backup made before its chains were keyed; nothing will be recorded onto them: run \`sotto audit verify\`, then see README, Audit log (Restoring)`,
      chains: downgraded,
    };
  }
  return { marker, written, writeFailed, outcomes, problem };
}
