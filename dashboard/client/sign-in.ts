/** Signs in once: the token goes to the private API's session endpoint, which answers with an HttpOnly cookie. */
const form = document.getElementById('sign-in') as HTMLFormElement;
const error = document.getElementById('error') as HTMLElement;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = new FormData(form).get('token');
  const token = typeof value === 'string' ? value : '';
  error.textContent = '';
  void fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }), credentials: 'same-origin' })
    .then((res) => {
      if (res.ok) window.location.assign('/dashboard/');
      else error.textContent = res.status === 401 ? 'That token is not right.' : `Sign-in failed (HTTP ${res.status}).`;
    })
    .catch(() => {
      error.textContent = 'The server cannot be reached.';
    });
});
