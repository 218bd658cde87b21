"""The pages a person reaches on a phone, each set up the way a real visit gets there
(the desk's Insights, People, the account page and a conversation with status lines too)."""

from accounts import file_request, make_user
from playwright.sync_api import expect

from helpdesk.models import Ticket
from helpdesk.tickets import conversation

PASSWORD = "a long enough password"
# As long as real addresses get: the header once grew to 572 px with one like it.
REQUESTER = "alexandra.konstantinopoulou@example-company.com"
AGENT = "maximilian.oberhuber-agent@example-company.com"
FORM = "/requests/new/technical-support"


def answers(page):
    """The suggested articles listed under the summary (the combobox's options)."""
    return page.get_by_role("listbox", name="Suggested answers").get_by_role("option")


def sign_in(page, server, email, role):
    make_user(server.app, email, role=role, password=PASSWORD)
    page.goto(server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nav-account").first).to_have_text(email)  # signed in, menu open or not


def some_requests(server, email=REQUESTER):
    refs = [file_request(server.app, email=email, summary="The export button does nothing at all "
                         "when the report has more than a thousand rows")]
    refs.append(file_request(server.app, email=email, summary="Invoice INV-2211 charged twice",
                             type_slug="billing"))
    return refs


def home(page, server):
    page.goto(server.url + "/")


def article(page, server):
    page.goto(server.url + "/articles/contact-support/finding-version-numbers")


def request_form(page, server):
    page.goto(server.url + FORM)
    page.locator("#summary").press_sequentially("reset password", delay=20)
    expect(answers(page).first).to_be_visible()


def signed_in_page(email, role, path, heading=None):
    """A page reached after signing in as `email`; "{ref}" in `path` is a filed request."""
    def visit(page, server):
        ref = some_requests(server)[0]
        sign_in(page, server, email, role)
        page.goto(server.url + path.format(ref=ref))
        if heading:
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
    return visit


my_requests = signed_in_page(REQUESTER, "requester", "/requests", "My requests")
a_request = signed_in_page(REQUESTER, "requester", "/requests/{ref}")
queue = signed_in_page(AGENT, "agent", "/agent/", "Queue")
desk_request = signed_in_page(AGENT, "agent", "/agent/requests/{ref}")


insights = signed_in_page(AGENT, "agent", "/agent/insights", "Insights")
people = signed_in_page(AGENT, "admin", "/agent/people", "People")
account = signed_in_page(REQUESTER, "requester", "/account", "Your account")


def visit(path, heading=None):
    """A page anybody reaches by its address (with `heading`, checked to be that page)."""
    def go(page, server):
        page.goto(server.url + path)
        if heading:
            expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    return go


def confirmation(page, server):
    """The page after sending a request through the form."""
    page.goto(server.url + FORM)
    page.fill("#email", REQUESTER)
    page.fill("#summary", "The export button does nothing")
    page.fill("#description", "Nothing happens when I press Export on the report page.")
    page.select_option("#application", "web")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()


search_results = visit("/search?q=password+reset")
no_results = visit("/search?q=qwxzvk")
category = visit("/articles/account")
# Its code block holds one long line: the block scrolls, the page does not.
article_with_code = visit("/articles/requests/following-your-request")
request_types = visit("/requests/new")
sign_in_page = visit("/login", "Sign in")
register = visit("/register", "Create an account")
password_reset = visit("/reset", "Forgot your password?")
not_found = visit("/articles/no-such-article", "Page not found")
saved_replies = signed_in_page(AGENT, "admin", "/agent/saved-replies", "Saved replies")
kept_mail = signed_in_page(AGENT, "admin", "/agent/mail/kept", "Incoming mail kept for retry")
blocked = signed_in_page(AGENT, "admin", "/agent/blocked", "Blocked senders")


def status_lines(page, server):
    """A request on the desk whose requester marked it solved, then reopened it."""
    ref = some_requests(server)[0]
    with server.app.test_request_context():
        conversation.resolve(Ticket.by_ref(ref), actor_email=REQUESTER)
        conversation.reopen(Ticket.by_ref(ref), actor_email=REQUESTER)
    sign_in(page, server, AGENT, "agent")
    page.goto(f"{server.url}/agent/requests/{ref}")
    expect(page.locator(".status-line")).to_have_count(2)


PAGES = {"home": home, "article": article, "article_with_code": article_with_code,
         "request_form": request_form,
         "my_requests": my_requests, "a_request": a_request, "queue": queue,
         "desk_request": desk_request, "insights": insights, "people": people,
         "account": account, "status_lines": status_lines, "search_results": search_results,
         "no_results": no_results, "category": category, "request_types": request_types,
         "confirmation": confirmation, "sign_in": sign_in_page, "register": register,
         "password_reset": password_reset, "not_found": not_found,
         "saved_replies": saved_replies, "kept_mail": kept_mail, "blocked": blocked}
