// Settings -> Users: everyone in the practice, with a link to each user's
// page, and "Add user".
import { useEffect, useState } from 'react';
import { api, describeError, type UserView } from '../api.ts';
import { PageHeading } from '../page-heading.tsx';
import { Link } from '../router.tsx';
import { ROLE_LABELS } from '../user-rules.ts';
import { AddUserForm } from './add-user-form.tsx';

export function UsersPage() {
  const [users, setUsers] = useState<UserView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<{ items: UserView[] }>('GET', '/users')
      .then((r) => setUsers(r.items))
      .catch((e: unknown) => setError(describeError(e)));
  }, []);

  return (
    <>
      <PageHeading>Users</PageHeading>
      <AddUserForm />
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {users === null && !error && <p>Loading users…</p>}
      {users && (
        <div className="table-wrap">
          <table>
            <caption>People in this practice. Open one to change their details, phones or voicemail settings.</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Extension</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <th scope="row">
                    <Link to={`/users/${u.id}`}>{u.displayName}</Link>
                  </th>
                  <td>{u.extension ?? <span className="muted">None</span>}</td>
                  <td>{ROLE_LABELS[u.role]}</td>
                  <td>
                    <span className={`badge ${u.status === 'active' ? 'ok' : 'muted'}`}>{u.status === 'active' ? 'Active' : 'Disabled'}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
