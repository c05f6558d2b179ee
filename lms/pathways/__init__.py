"""Local pathways: who to contact, in each region, when a lesson says "your local pathway".

Owns ``LocalPathways`` (a snippet per region: the universal child health programme,
safeguarding advice and referral, early help, perinatal mental health services, parent-infant
support and helplines), the neutral default used where a region has set nothing, and the
clearly labelled examples of two nations (England, Northern Ireland) that lessons may show.
Answers the ``lms_local_pathways_for_user`` hook for ``content``'s "Local pathways" lesson block:
a person's region is the region above the units they work in. Writes nothing else.
"""
