// The audit log viewer, for admins: who did what to which object, when and
// from where, newest first; filters by user, action, object and time; pages
// backwards; and, above it all, whether the hash chain still holds (every
// check is itself an audit event, as every look at this page is).
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS } from '../../../src/audit/actions.ts';
import { api, describeError, type AuditEventPage, type ChainStatus, type UserView } from '../api.ts';
import {
  actorName,
  auditQuery,
  chainWords,
  currentCursor,
  detailPairs,
  EMPTY_FILTER,
  exportQuery,
  exportScope,
  filterProblems,
  FIRST_PAGE,
  newer,
  older,
  pageNumber,
  type AuditFilter,
  type Pager,
} from '../audit-query.ts';
import { PageHeading } from '../page-heading.tsx';

const ACTION_CODES = [...new Set(Object.values(AUDIT_ACTIONS))].sort();

export function AuditLogPage() {
  const [users, setUsers] = useState<UserView[]>([]);
  const [draft, setDraft] = useState<AuditFilter>(EMPTY_FILTER);
  const [filter, setFilter] = useState<AuditFilter>(EMPTY_FILTER);
  const [pager, setPager] = useState<Pager>(FIRST_PAGE);
  const [page, setPage] = useState<AuditEventPage | null>(null);
  const [chain, setChain] = useState<ChainStatus | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const resultsHeading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);

  const names = new Map(users.map((u) => [u.id, u.displayName]));
  const problems = filterProblems(draft);
  const problemOf = (field: keyof AuditFilter) => problems.find((p) => p.field === field)?.message;

  useEffect(() => {
    api<{ items: UserView[] }>('GET', '/users')
      .then((r) => setUsers(r.items))
      .catch(() => undefined); // names are a nicety; ids still show
  }, []);

  const verify = useCallback(() => {
    setVerifying(true);
    api<ChainStatus>('GET', '/audit-events/verify')
      .then(setChain)
      .catch((e: unknown) => setError(describeError(e)))
      .finally(() => setVerifying(false));
  }, []);
  useEffect(verify, [verify]);

  useEffect(() => {
    let live = true;
    setPage(null);
    api<AuditEventPage>('GET', '/audit-events' + auditQuery(filter, currentCursor(pager)))
      .then((p) => {
        if (!live) return;
        setPage(p);
        // After "Apply", "Older" or "Newer", start reading at the results, not at the top of the page.
        if (moved.current) resultsHeading.current?.focus();
      })
      .catch((e: unknown) => live && setError(describeError(e)));
    return () => {
      live = false;
    };
  }, [filter, pager]);

  function apply(e: FormEvent) {
    e.preventDefault();
    if (problems.length > 0) return;
    setError(null);
    moved.current = true;
    setFilter(draft);
    setPager(FIRST_PAGE);
  }

  function clear() {
    moved.current = true;
    setDraft(EMPTY_FILTER);
    setFilter(EMPTY_FILTER);
    setPager(FIRST_PAGE);
  }

  const words = chain ? chainWords(chain) : null;
  const field = (key: keyof AuditFilter) => ({
    id: `audit-${key}`,
    value: draft[key],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }),
    'aria-invalid': problemOf(key) ? true : undefined,
    'aria-describedby': problemOf(key) ? `audit-${key}-problem` : undefined,
  });
  const problemText = (key: keyof AuditFilter) =>
    problemOf(key) ? (
      <p id={`audit-${key}-problem`} className="field-problem">
        {problemOf(key)}
      </p>
    ) : null;

  return (
    <>
      <PageHeading>Audit log</PageHeading>
      <section className={`panel chain chain-${words?.level ?? 'pending'}`} aria-labelledby="chain-heading" aria-busy={verifying}>
        <div>
          <h2 id="chain-heading">{words ? words.title : 'Verifying the audit chain…'}</h2>
          {words && (
            <p>
              <span className={`badge ${words.level}`}>{words.level === 'ok' ? 'Intact' : 'Broken'}</span> {words.detail}
              {chain && <span className="help"> Checked {new Date(chain.checkedAt).toLocaleString()}.</span>}
            </p>
          )}
        </div>
        <button type="button" className="secondary" onClick={verify} disabled={verifying}>
          {verifying ? 'Verifying…' : 'Verify again'}
        </button>
      </section>

      <section className="panel export" aria-labelledby="export-heading">
        <h2 id="export-heading">Take a copy</h2>
        <p>
          {exportScope(filter)}, as JSON Lines with its hash chain, for an auditor to keep and check anywhere with{' '}
          <code>sotto audit verify --file</code>. Only the applied time range narrows it (an export keeps every event in its range). The download is
          recorded in this log.
        </p>
        <a className="button-link" href={`/api/v1/audit-events/export${exportQuery(filter)}`} download>
          Download the audit log
        </a>
      </section>

      <form className="filters" onSubmit={apply} aria-labelledby="filter-heading" noValidate>
        <h2 id="filter-heading">Filter</h2>
        <div className="field-row">
          <div className="field">
            <label htmlFor="audit-actor">User</label>
            <select {...field('actor')}>
              <option value="">Anyone</option>
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.displayName}
                </option>
              ))}
              <option value="cli">System (command line)</option>
            </select>
            {problemText('actor')}
          </div>
          <div className="field">
            <label htmlFor="audit-action">Action</label>
            <input {...field('action')} list="audit-action-codes" placeholder="e.g. voicemail.play" spellCheck={false} />
            <datalist id="audit-action-codes">
              {ACTION_CODES.map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
            {problemText('action')}
          </div>
          <div className="field">
            <label htmlFor="audit-objectType">Object type</label>
            <input {...field('objectType')} placeholder="e.g. user" spellCheck={false} />
            {problemText('objectType')}
          </div>
          <div className="field">
            <label htmlFor="audit-object">Object id</label>
            <input {...field('object')} spellCheck={false} />
            {problemText('object')}
          </div>
          <div className="field">
            <label htmlFor="audit-from">From</label>
            <input type="datetime-local" {...field('from')} />
            {problemText('from')}
          </div>
          <div className="field">
            <label htmlFor="audit-to">Until</label>
            <input type="datetime-local" {...field('to')} />
            {problemText('to')}
          </div>
          <div className="actions filter-actions">
            <button type="submit" disabled={problems.length > 0}>
              Apply filters
            </button>
            <button type="button" className="secondary" onClick={clear}>
              Clear
            </button>
          </div>
        </div>
      </form>

      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      <h2 id="results-heading" ref={resultsHeading} tabIndex={-1}>
        Events{pageNumber(pager) > 1 ? `, page ${pageNumber(pager)}` : ''}
      </h2>
      {page === null && !error && <p>Loading events…</p>}
      {page && page.items.length === 0 && <p>No events match these filters.</p>}
      {page && page.items.length > 0 && (
        <div className="table-wrap">
          <table className="audit-table">
            <caption>Newest first. Details hold ids, codes and counts only, never patient information.</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Object</th>
                <th scope="col">Outcome</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((e) => (
                <tr key={e.id} className={e.prominent ? 'prominent' : undefined}>
                  <td>{e.seq}</td>
                  <td>
                    <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
                  </td>
                  <td>
                    {actorName(e, names)}
                    {e.sourceIp && <span className="help block">from {e.sourceIp}</span>}
                  </td>
                  <th scope="row">
                    <code>{e.action}</code>
                    {e.prominent && <span className="badge risk">Break-glass</span>}
                    {e.breakGlassReason && <span className="block">Reason: {e.breakGlassReason}</span>}
                  </th>
                  <td>{e.object ? <code className="wrap">{`${e.object.type} ${e.object.id}`}</code> : <span className="muted">None</span>}</td>
                  <td>
                    <span className={`badge ${e.outcome === 'success' ? 'ok' : 'attention'}`}>{e.outcome}</span>
                  </td>
                  <td>
                    {Object.keys(e.details).length === 0 ? (
                      <span className="muted">None</span>
                    ) : (
                      <ul className="detail-pairs">
                        {detailPairs(e.details).map(([k, v]) => (
                          <li key={k}>
                            <span className="muted">{k}:</span> <code className="wrap">{v}</code>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="actions" aria-label="Audit log pages">
        <button
          type="button"
          className="secondary"
          disabled={pageNumber(pager) === 1}
          onClick={() => {
            moved.current = true;
            setPager(newer(pager));
          }}
        >
          Newer events
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!page?.nextBefore}
          onClick={() => {
            moved.current = true;
            if (page?.nextBefore) setPager(older(pager, page.nextBefore));
          }}
        >
          Older events
        </button>
      </nav>
    </>
  );
}
