"""SessionService: the console's way to sign a person in and keep their session, on the
admin socket beside AdminService. Thin: protobuf to values, the session use cases,
and back; StartLogin and FinishLogin carry no bearer token (they are how one is
obtained), every other call the session's token. Every rule, throttle and audit
record lives in gateway.services.sessions."""

from __future__ import annotations

from gateway.bootstrap import Application
from gateway.node.admin_servicer import local_caller
from gateway.node.status_codes import grpc_method
from gateway.services.sessions import SessionService
from gateway.wire.argos.v1 import sessions_pb2 as pb
from gateway.wire.argos.v1 import sessions_pb2_grpc
from gateway.wire.sessions_codec import session_pb
from gateway.wire.strict import bounded_id


class SessionServicer(sessions_pb2_grpc.SessionServiceServicer):
    def __init__(self, app: Application) -> None:
        assert app.sessions is not None  # bootstrap always builds it
        self._app = app
        self._sessions: SessionService = app.sessions

    def _session_pb(self, session) -> pb.Session:
        return session_pb(session, self._sessions.policy, self._app.ctx.now())

    @grpc_method()
    def StartLogin(self, request, context):
        login_id = self._sessions.start_login(
            bounded_id(request.user, "user"), request.password, request.client_address
        )
        return pb.StartLoginResponse(login_id=login_id)

    @grpc_method()
    def FinishLogin(self, request, context):
        token, session = self._sessions.finish_login(
            bounded_id(request.login_id, "login id"), request.totp_code, request.client_address
        )
        return pb.FinishLoginResponse(session_token=token, session=self._session_pb(session))

    @grpc_method()
    def GetSession(self, request, context):
        session = self._sessions.current(local_caller(self._app, context))
        return pb.GetSessionResponse(session=self._session_pb(session))

    @grpc_method()
    def Reauthenticate(self, request, context):
        session = self._sessions.reauthenticate(
            local_caller(self._app, context), request.password, request.totp_code
        )
        return pb.ReauthenticateResponse(session=self._session_pb(session))

    @grpc_method()
    def EndSession(self, request, context):
        self._sessions.end(local_caller(self._app, context))
        return pb.EndSessionResponse()

    @grpc_method()
    def ListSessions(self, request, context):
        sessions = self._sessions.sessions(local_caller(self._app, context), request.user)
        return pb.ListSessionsResponse(sessions=[self._session_pb(s) for s in sessions])

    @grpc_method()
    def EndSessions(self, request, context):
        which = request.WhichOneof("which")
        ended = self._sessions.end_sessions(
            local_caller(self._app, context),
            session_id=request.session_id if which == "session_id" else "",
            user=request.user if which == "user" else "",
            justification=request.justification,
        )
        return pb.EndSessionsResponse(ended=ended)

    @grpc_method()
    def SetConsoleCredentials(self, request, context):
        issued = self._sessions.set_credentials(
            local_caller(self._app, context),
            request.user,
            request.password,
            new_totp_secret=request.new_totp_secret,
        )
        return pb.SetConsoleCredentialsResponse(
            totp_secret=issued.totp_secret or "", totp_uri=issued.totp_uri or ""
        )
