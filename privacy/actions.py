"""Swedish labels for the action codes the access log and the audit trail record.

An access-log row's `action` is either the URL name of the page that read (or was refused)
a participant's data, such as `participant_detail` or `modules:review_record`, or the code a
service passes to `rehab.audit.record`, such as `enrolment_exit`. Codes are kept as they are
in the database (they are stable, and filtering on them stays exact); every place that shows
one to a person shows `action_label(code)` instead: the log review page and its CSV file.

The labels are noun phrases, so that they read well after each kind of row ("Läsning",
"Ändring", "Export", "Nekad"). A test (tests/privacy/test_action_labels.py) collects every
URL name and every action a service records and fails when one has no label here.
"""

from privacy.recorder import DENIED_SUMMARY_ACTION

ACTION_LABELS: dict[str, str] = {
    # --- Participants and enrolments (rehab, casework) --------------------------------------
    "caseload": "Deltagarlistan",
    "participant_detail": "Deltagarens sida",
    "participant_create": "Ny deltagare",
    "participant_create_anonymous": "Ny anonym deltagare",
    "participant_update": "Ändring av deltagarens uppgifter",
    "consent_create": "Registrering av samtycke",
    "enrolment_create": "Ny inskrivning",
    "enrolment_update": "Ändring av inskrivning",
    "enrolment_phase": "Byte av fas i inskrivningen",
    "enrolment_exit": "Avslut av inskrivning",
    "enrolment_undo_exit": "Ångrat avslut av inskrivning",
    "enrolment_mark_error": "Inskrivning markerad som felregistrerad",
    "enrolment_modules_close": "Avslutade moduler vid avslut av inskrivning",
    "exit_followup_create": "Uppföljning efter avslut",
    "exit_followup_record": "Uppföljning efter avslut",
    "goal_create": "Nytt mål",
    "exit_evaluation": "Utvärderingsmöte före avslut",
    "exit_evaluation_record": "Registrering av utvärderingsmöte före avslut",
    "goal_status": "Ändrad status för mål",
    "goal_set_status": "Ändrad status för mål",
    "note_create": "Ny journalanteckning",
    "deviation_create": "Ny avvikelse",
    "activity_list": "Teamets aktiviteter",
    "activity_detail": "Aktivitet och närvaro",
    "activity_create": "Ny aktivitet",
    "attendance_record": "Registrering av närvaro",
    "case_meeting_list": "Teamets ärendemöten",
    "case_meeting_detail": "Ärendemöte",
    "case_meeting_create": "Nytt ärendemöte",
    "case_meeting_update": "Ändring av ärendemöte",
    "case_meeting_delete": "Borttaget ärendemöte",
    "case_meeting_discuss": "Deltagare diskuterad på ärendemöte",
    "case_meeting_undiscuss": "Deltagare borttagen från ärendemöte",
    "case_meeting_item_update": "Ändrad anteckning om deltagare på ärendemöte",
    "team_list": "Mina team",
    "team_detail": "Teamets sida",
    # --- Modules, placements and deadlines (modules) ----------------------------------------
    "modules:module_list": "Modullistan",
    "modules:module_detail": "Modulens sida",
    "modules:enrolment": "Inskrivningens moduler",
    "modules:deadline_list": "Frister",
    "modules:calendar_feed": "Kalenderlänk för frister",
    "modules:calendar_ics": "Kalenderfil med frister",
    "calendar_feed_create": "Ny kalenderlänk",
    "calendar_feed_revoke": "Återkallad kalenderlänk",
    "modules:placement_create": "Placering i modul",
    "placement_create": "Placering i modul",
    "modules:placement_extend": "Förlängning av placering",
    "placement_extend": "Förlängning av placering",
    "modules:placement_end": "Avslut av placering",
    "placement_end": "Avslut av placering",
    "modules:review_book": "Bokning av trepartsmöte",
    "review_book": "Bokning av trepartsmöte",
    "modules:review_cancel": "Avbokning av trepartsmöte",
    "review_cancel": "Avbokning av trepartsmöte",
    "modules:review_record": "Registrering av trepartsmöte",
    "modules:review_record_booked": "Registrering av bokat trepartsmöte",
    "review_record": "Registrering av trepartsmöte",
    "modules:followup_record": "Registrering av uppföljning",
    "followup_record": "Registrering av uppföljning",
    "modules:waiting_add": "Uppsättning på väntelista",
    "waiting_list_add": "Uppsättning på väntelista",
    "modules:waiting_remove": "Borttagning från väntelista",
    "modules:triage_contact_record": "Registrering av kontakt med En väg in",
    "triage_contact_record": "Registrering av kontakt med En väg in",
    "modules:review_protocol": "Protokoll för trepartsmöte (utskrift)",
    "action_plan_print": "Handlingsplan att skriva ut",
    "waiting_list_remove": "Borttagning från väntelista",
    "modules:approval_list": "Ledningsgruppsbeslut",
    "modules:approval_request": "Begäran om ledningsgruppsbeslut",
    "approval_request": "Begäran om ledningsgruppsbeslut",
    "modules:approval_decide": "Ledningsgruppens beslut",
    "approval_decide": "Ledningsgruppens beslut",
    # --- Referrals and consultations (referrals) --------------------------------------------
    "referral_list": "Remisslistan",
    "referral_detail": "Remissens sida",
    "referral_create": "Ny remiss",
    "referral_assign": "Fördelning av remiss till team",
    "referral_transition": "Ändrad status för remiss",
    "referral_mark_enrolled": "Remiss markerad som inskriven",
    "referral_intro": "Introduktionssamtal för remiss",
    "referral_intro_record": "Introduktionssamtal registrerat för remiss",
    "consultation_list": "Konsultationer",
    "consultation_create": "Ny konsultation",
    "consent_record": "Registrering av samtycke",
    "consent_end_all": "Avslut av samtycken",
    # --- Reporting: board, budget, import, dashboards ---------------------------------------
    "start": "Startsidan",
    "favicon": "Webbplatsens ikon",
    "overview": "Översikten",
    "board_report": "Styrelserapporten",
    "board_report_export": "Export av styrelserapporten",
    "board_note_save": "Text till styrelserapporten",
    "board_note_created": "Ny text till styrelserapporten",
    "board_note_changed": "Ändrad text till styrelserapporten",
    "budget_index": "Budgetöversikten",
    "budget_followup": "Budgetuppföljning",
    "budget_edit": "Ändring av budget",
    "budget_created": "Ny budget",
    "budget_changed": "Ändrad budget",
    "budget_actuals": "Utfall mot budget",
    "budget_actuals_saved": "Sparat utfall mot budget",
    "budget_import": "Import av budget",
    "budget_import_preview": "Granskning av budgetimport",
    "budget_import_confirm": "Bekräftad budgetimport",
    "budget_import_cancel": "Avbruten budgetimport",
    "import_upload": "Import av inskrivningar",
    "import_template": "Importmall",
    "import_preview": "Granskning av import",
    "import_confirm": "Bekräftad import",
    "import_cancel": "Avbruten import",
    "import_enrolments": "Import av inskrivningar",
    "dashboard": "Instrumentpanelen",
    "dashboard_csv": "Export från instrumentpanelen",
    # --- Privacy ---------------------------------------------------------------------------
    "privacy:log_review": "Granskning av loggen",
    "privacy:log_csv": "Export av loggen",
    "privacy:purge_runs": "Gallringskörningar",
    "privacy:subject_access": "Registerutdrag",
    "privacy:subject_access_json": "Registerutdrag som JSON-fil",
    "privacy:subject_access_pdf": "Registerutdrag som PDF-fil",
    DENIED_SUMMARY_ACTION: "Fler nekade försök samma minut",
    # --- Accounts --------------------------------------------------------------------------
    "login": "Inloggning",
    "logout": "Utloggning",
    "account_detail": "Kontots sida",
    "password_change": "Byte av lösenord",  # nosec B105: a page's name, not a password
    "sessions_end_all": "Utloggning på alla enheter",
    "two_factor_setup": "Inställning av tvåfaktorinloggning",
    "two_factor_verify": "Kod för tvåfaktorinloggning",
    "two_factor_enabled": "Tvåfaktorinloggning påslagen",
    "recovery_codes_show": "Reservkoder",
    "recovery_codes_regenerate": "Nya reservkoder",
    "recovery_codes_regenerated": "Nya reservkoder",
    "recovery_code_used": "Använd reservkod",
    "activation_codes": "Aktiveringskoder",
    "activation_code_create": "Ny aktiveringskod",
    "activation_code_issued": "Ny aktiveringskod",
}

# What a row whose code is no longer known says (a code renamed or removed after the row
# was written). Never the raw code.
UNKNOWN_ACTION = "Annan åtgärd"
UNKNOWN_ADMIN_ACTION = "Sida i administrationen"


def action_label(code: str | None) -> str:
    """The Swedish label of an action code; a readable Swedish fallback for an unknown one."""
    if not code:
        return "–"
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    if code.startswith("admin:"):
        return UNKNOWN_ADMIN_ACTION
    return UNKNOWN_ACTION


# The object types the access log names next to the action (`rehab.audit` takes the model
# name when a service passes an object).
OBJECT_TYPE_LABELS: dict[str, str] = {
    "access_log": "åtkomstlogg",
    "account": "konto",
    "accesslog": "åtkomstlogg",
    "accountsecurity": "kontots säkerhet",
    "activationcode": "aktiveringskod",
    "actualcost": "utfall",
    "aggregatefillstate": "fyllnadsläge för aggregat",
    "attendance": "närvaro",
    "auditevent": "händelse i granskningsspåret",
    "boardnote": "styrelsetext",
    "budget": "budget",
    "budgetline": "budgetrad",
    "calendarfeed": "kalenderlänk",
    "casemeeting": "ärendemöte",
    "casemeetingitem": "diskuterad deltagare på ärendemöte",
    "consent": "samtycke",
    "consultation": "konsultation",
    "dataversion": "dataversion",
    "deviation": "avvikelse",
    "enrolment": "inskrivning",
    "exitfollowup": "uppföljning efter avslut",
    "followup": "uppföljning",
    "forbund": "förbund",
    "forbundmembership": "medlemskap i förbund",
    "goal": "mål",
    "groupactivity": "aktivitet",
    "journalnote": "journalanteckning",
    "kommun": "kommun",
    "kommunquota": "kommunandel",
    "managementapproval": "ledningsgruppsbeslut",
    "membership": "medlemskap i team",
    "module": "modul",
    "monthlycount": "månadsaggregat",
    "participant": "deltagare",
    "pendingimport": "väntande import",
    "placement": "placering",
    "purgerun": "gallringskörning",
    "referral": "remiss",
    "referralevent": "händelse i remissen",
    "review": "trepartsmöte",
    "subject_access": "registerutdrag",
    "team": "team",
    "teamdataversion": "teamets dataversion",
    "user": "användare",
    "waitinglistentry": "plats på väntelista",
    "triagecontact": "kontakt med En väg in",
    "exitevaluation": "utvärderingsmöte före avslut",
    "triage_contact": "kontakt med En väg in",
    "modulereservation": "reserverade platser",
    "rulewarning": "regelvarning",
}


def object_type_label(object_type: str | None) -> str:
    """The Swedish name of an access-log row's object type ("" when there is none)."""
    if not object_type:
        return ""
    return OBJECT_TYPE_LABELS.get(object_type, "objekt")
