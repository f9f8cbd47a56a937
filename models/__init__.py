"""The database models, one module per area; import them from here."""
from models.base import db, local_now, utcnow
from models.reference import Discipline, ReferenceItem
from models.organizations import College, ManagingDepartment, Organization
from models.users import ROLES, STAFF_ROLES, User
from models.files import UploadedFile
from models.experts import EXPERT_STATUSES, Expert, ExpertAvoidance
from models.audit import AuditEntry
from models.notifications import OutboxMessage
from models.draws import (DrawRecord, DrawRequest, ExpertLeave, Invitation, ProjectMember,
                          RequestAvoidance, SpecialExpert)
from models.rate_limit import RateLimit
from models.admission import (ChangeFile, ChangeRequest, ExitRequest, ExpertEvent, ExpertExit, ExpertFile, Objection,
                              PublicityBatch)

__all__ = [
    "db", "local_now", "utcnow", "Discipline", "ReferenceItem", "College", "ManagingDepartment",
    "Organization", "ROLES", "STAFF_ROLES", "User", "UploadedFile", "EXPERT_STATUSES",
    "Expert", "ExpertAvoidance", "AuditEntry", "ChangeFile", "ChangeRequest", "ExpertEvent", "ExpertFile",
    "Objection", "PublicityBatch", "DrawRecord", "DrawRequest", "ExpertLeave", "Invitation",
    "ProjectMember", "RequestAvoidance", "SpecialExpert", "ExpertExit", "ExitRequest", "OutboxMessage",
    "RateLimit",
]
