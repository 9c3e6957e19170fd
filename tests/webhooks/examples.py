"""The providers' documented example payloads, with our ids put where
docs/webhooks.md says they go. Times are moved to the test period."""

from __future__ import annotations

import time

NOW = int(time.time())


def sendgrid_events(ts: int = NOW, customer: str = "ann", prefix: str = "sg") -> list[dict]:
    """SendGrid's Event Webhook reference sample (one event of each type), with the
    custom args mailing_id, customer_id and variant_id at each event's top level."""
    base = {"email": "ann@example.com", "timestamp": ts, "category": "cat facts",
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
            "mailing_id": "m1", "customer_id": customer, "variant_id": "A"}
    rows = [
        {"smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "event": "processed"},
        {"smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "event": "deferred",
         "response": "400 try again later", "attempt": "5"},
        {"smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "event": "delivered",
         "response": "250 OK"},
        {"event": "open", "sg_machine_open": False,
         "useragent": "Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322)",
         "ip": "255.255.255.255"},
        {"event": "open", "sg_machine_open": True, "useragent": "Mozilla/5.0",
         "ip": "17.58.100.1"},
        {"event": "click", "useragent": "Mozilla/4.0 (compatible; MSIE 6.1; Windows XP)",
         "ip": "255.255.255.255", "url": "http://www.sendgrid.com/",
         "url_offset": {"index": 1, "type": "html"}},
        {"smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "event": "bounce",
         "reason": "500 unknown recipient", "status": "5.0.0", "type": "bounce"},
        {"smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "event": "dropped",
         "reason": "Bounced Address", "status": "5.0.0"},
        {"event": "spamreport"},
        {"event": "unsubscribe"},
        {"event": "group_unsubscribe", "asm_group_id": 10, "ip": "255.255.255.255",
         "url": "http://www.sendgrid.com/", "useragent": "Mozilla/4.0"},
        {"event": "group_resubscribe", "asm_group_id": 10, "ip": "255.255.255.255",
         "url": "http://www.sendgrid.com/", "useragent": "Mozilla/4.0"},
    ]
    # the click comes an hour after delivery: a person, not a scanner
    rows[5]["timestamp"] = ts + 3600
    return [{**base, "sg_event_id": f"{prefix}-{customer}-{n}", **r} for n, r in enumerate(rows)]


def mailgun_event(kind: str = "opened", customer: str = "ann",
                  event_id: str = "CPgfbmQMTCKtHW6uIWtuVe", **extra) -> dict:
    """Mailgun's documented event-data (opened), with the message variables."""
    data = {
        "id": event_id, "timestamp": float(NOW), "log-level": "info", "event": kind,
        "message": {"headers": {"message-id": "20130503182626.18666.16540@sandbox.mailgun.org"}},
        "recipient": f"{customer}@example.com", "recipient-domain": "example.com",
        "ip": "50.56.129.169", "geolocation": {"country": "US", "region": "CA",
                                               "city": "San Francisco"},
        "client-info": {"client-os": "Linux", "device-type": "desktop",
                        "client-name": "Chrome", "client-type": "browser",
                        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.31 "
                                      "(KHTML, like Gecko) Chrome/26.0.1410.43 Safari/537.31",
                        "bot": ""},
        "tags": ["my_tag_1"], "campaigns": [],
        "user-variables": {"mailing_id": "m1", "customer_id": customer, "variant_id": "A"},
    }
    data.update(extra)
    return data


def ses_message(kind: str = "Delivery", recipients: tuple[str, ...] = ("ann@example.com",),
                tags: dict | None = None, **detail) -> dict:
    """SES event publishing's documented example (mail object and the event's own
    object), with message tags mailing_id, customer_id, variant_id."""
    mail = {
        "timestamp": "2016-10-19T23:20:52.240Z", "source": "sender@example.com",
        "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
        "sendingAccountId": "123456789012",
        "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
        "destination": list(recipients), "headersTruncated": False,
        "tags": tags if tags is not None else {
            "ses:configuration-set": ["ConfigSet"], "ses:source-ip": ["192.0.2.0"],
            "mailing_id": ["m1"], "customer_id": ["ann"], "variant_id": ["A"]},
    }
    details = {
        "Delivery": {"delivery": {"timestamp": "2016-10-19T23:21:04.133Z",
                                  "processingTimeMillis": 11893,
                                  "recipients": list(recipients),
                                  "smtpResponse": "250 2.6.0 Message received",
                                  "reportingMTA": "mta.example.com"}},
        "Open": {"open": {"ipAddress": "192.0.2.1", "timestamp": "2017-08-09T22:00:19.652Z",
                          "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS "
                                       "X) AppleWebKit/603.3.8 (KHTML, like Gecko) "
                                       "Mobile/14G60"}},
        "Click": {"click": {"ipAddress": "192.0.2.1",
                            "link": "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/",
                            "linkTags": {"link_index": ["2"]},
                            "timestamp": "2017-08-09T23:51:25.570Z",
                            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
                                         "AppleWebKit/537.36 Chrome/60.0.3112.90"}},
        "Bounce": {"bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                              "bouncedRecipients": [{"emailAddress": r, "action": "failed",
                                                     "status": "5.1.1"} for r in recipients],
                              "timestamp": "2017-08-05T00:41:02.669Z",
                              "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-"
                                            "7be8aexample-000000"}},
        "Send": {"send": {}},
    }
    message = {"eventType": kind, "mail": mail, **details.get(kind, {})}
    message.update(detail)
    return message


def postmark_record(kind: str = "Delivery", customer: str = "ann", **extra) -> dict:
    """Postmark's documented webhook examples, with Metadata."""
    common = {"MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "ServerID": 23,
              "MessageStream": "outbound", "Tag": "welcome-email",
              "Metadata": {"mailing_id": "m1", "customer_id": customer, "variant_id": "A"}}
    records = {
        "Delivery": {"RecordType": "Delivery", "Recipient": "john@example.com",
                     "DeliveredAt": "2026-03-02T09:28:10.2735393-04:00",
                     "Details": "Test delivery webhook details"},
        "Bounce": {"RecordType": "Bounce", "ID": 42, "Type": "HardBounce", "TypeCode": 1,
                   "Name": "Hard bounce", "Description": "The server was unable to deliver "
                   "your message (ex: unknown user, mailbox not found).",
                   "Details": "Test bounce details", "Email": "john@example.com",
                   "From": "sender@example.com", "BouncedAt": "2026-03-02T16:33:54.9070259Z",
                   "DumpAvailable": True, "Inactive": True, "CanActivate": True,
                   "Subject": "Test subject"},
        "Open": {"RecordType": "Open", "FirstOpen": True,
                 "Client": {"Name": "Chrome 35.0.1916.153", "Company": "Google",
                            "Family": "Chrome"},
                 "OS": {"Name": "OS X 10.7 Lion", "Company": "Apple Computer, Inc.",
                        "Family": "OS X 10"},
                 "Platform": "WebMail",
                 "UserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) "
                              "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153",
                 "ReadSeconds": 5, "Geo": {"CountryISOCode": "RS", "Country": "Serbia",
                                           "IP": "188.2.95.4"},
                 "ReceivedAt": "2026-03-02T10:12:54.9070259Z",
                 "Recipient": "john@example.com"},
        "Click": {"RecordType": "Click", "ClickLocation": "HTML",
                  "Client": {"Name": "Chrome 35.0.1916.153", "Company": "Google",
                             "Family": "Chrome"},
                  "Platform": "Desktop",
                  "UserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) "
                               "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153",
                  "OriginalLink": "https://example.com",
                  "Geo": {"IP": "188.2.95.4"},
                  "ReceivedAt": "2026-03-02T10:13:54.9070259Z",
                  "Recipient": "john@example.com"},
        "SpamComplaint": {"RecordType": "SpamComplaint", "ID": 43, "Type": "SpamComplaint",
                          "TypeCode": 512, "Email": "john@example.com",
                          "BouncedAt": "2026-03-02T16:35:54.9070259Z"},
        "SubscriptionChange": {"RecordType": "SubscriptionChange",
                               "ChangedAt": "2026-03-02T16:40:54.9070259Z",
                               "Recipient": "john@example.com", "Origin": "Recipient",
                               "SuppressSending": True,
                               "SuppressionReason": "ManualSuppression"},
    }
    return {**common, **records[kind], **extra}


def twilio_params(status: str = "delivered", sid: str = "SM1342fe1b2c904d1ab04f0fc7a58abca9",
                  to: str = "+15550003a") -> dict[str, str]:
    """Twilio's documented status callback parameters."""
    return {"SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": to,
            "MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": "+15017250604",
            "ApiVersion": "2010-04-01"}
