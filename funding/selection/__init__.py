"""« Ma sélection »: the offers a holder or an agent gathers before sending one dossier to all of them.

Kept in the session (no account needed); the referral forms open with it (funding/referrals/views.py).
"""
