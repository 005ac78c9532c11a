"""The profile card shows each factor's points as the scorecard gave them."""

from __future__ import annotations

from flask import render_template_string


def test_learned_points_keep_their_tenth_and_whole_points_show_no_decimals(app):
    profile = {
        "score": 71,
        "grade": "A",
        "as_of": "2014-06-30",
        "base": 50,
        "factors": [
            {
                "label": "纳税信用等级",
                "value": "A",
                "contribution": 15,
                "source": "税务",
                "as_of": "",
            },
            {
                "label": "社保人数",
                "value": "12",
                "contribution": 2.34,
                "source": "社保",
                "as_of": "",
            },
            {
                "label": "失信被执行人",
                "value": "是",
                "contribution": -40.0,
                "source": "法院",
                "as_of": "",
            },
        ],
    }
    with app.test_request_context():
        html = render_template_string(
            "{% from 'credit/_profile.html' import profile_card %}{{ profile_card(p, 'x') }}",
            p=profile,
        )
    cells = [part.split("</td>")[0] for part in html.split('<td class="text-end">')[2:]]
    assert cells == ["+15", "+2.3", "-40"]
