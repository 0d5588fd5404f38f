"""Domain errors that carry their HTTP status, as the API answers them."""

from core.api.exceptions import exception_handler
from core.exceptions import PreconditionFailed


class ChangedMeanwhile(PreconditionFailed):
    def __init__(self):
        super().__init__("It changed meanwhile.", current_version=3)


def test_precondition_failed_answers_412_with_its_message_and_data():
    response = exception_handler(ChangedMeanwhile(), context={})

    assert response.status_code == 412
    assert response.data == {"detail": "It changed meanwhile.", "current_version": 3}
    assert list(response.data) == ["detail", "current_version"]
