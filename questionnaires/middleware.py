"""Hand-over mode: while a participant answers on the handledare's screen, the session opens
the questionnaire only. Every other page leads back to it until the handledare's password is
given (questionnaires.views.handover_leave)."""

from django.shortcuts import redirect

HANDOVER = "questionnaire_handover"
OPEN = {"questionnaires:handover", "questionnaires:handover_leave", "logout"}


class HandoverLockMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        session = getattr(request, "session", None)
        if session is None or not session.get(HANDOVER):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN:
            return None
        return redirect("questionnaires:handover")
