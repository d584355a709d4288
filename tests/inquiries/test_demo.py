"""The demo rows: written through the services on the demo centre, once."""

from govhall.demo.seed import seed_demo
from govhall.inquiries import demo
from govhall.inquiries.models import Complaint, ComplaintState, FirstInquiry, Question, QuestionState


def test_seed_writes_every_state_once(db):
    seed_demo()
    written = demo.seed()
    assert written == {"咨询": 6, "投诉": 5, "首问登记": 5}
    states = set(Question.objects.values_list("state", flat=True))
    assert {QuestionState.OPEN, QuestionState.TAKEN, QuestionState.ANSWERED, QuestionState.CLOSED} <= states
    assert Question.objects.filter(promoted_at__isnull=False).count() == 1
    assert set(Complaint.objects.values_list("state", flat=True)) == {
        ComplaintState.REGISTERED, ComplaintState.ASSIGNED, ComplaintState.REPLIED, ComplaintState.CLOSED,
        ComplaintState.ESCALATED,
    }  # fmt: skip
    assert FirstInquiry.objects.count() == 5
    assert demo.seed() == {}
