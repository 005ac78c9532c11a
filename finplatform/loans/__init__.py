"""Loans after disbursement: schedules, repayments, days past due; and the risk guarantee pool."""
