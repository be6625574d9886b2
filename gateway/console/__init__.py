"""The console: a web application for the people at a port (operators, investigators,
administrators, auditors), run beside a node by `argos console`.

It is an interface like the CLI: every page translates a form or a click into a call to
the node's local API with the signed-in person's session token, and the node's answer
back into a page. Who may do what, the audit log, the second factor, throttling and the
session's life are the node's; the console holds nothing but the token in a cookie.

app.py builds the application, web.py is what every page uses (the user, calling the
node, rendering, forms), security.py the headers and CSRF check every response and
request passes, auth.py the log-in pages, i18n.py the Dutch and English texts, and
screens/ the pages of each role."""
