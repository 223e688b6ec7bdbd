"""Who may call a page: one `Annotated` dependency per permission.

A route states the permission it needs in its signature (`user: PersonsView`), so each
permission name is spelled once for the web app, and `require` checks it at import time.
The name is the permission's, in capitals: tests/web/test_roles.py holds them together."""

from typing import Annotated

from fastapi import Depends

from refwatch.web.deps import User, require

AccountSelf = Annotated[User, Depends(require("account.self"))]
AlertsAck = Annotated[User, Depends(require("alerts.ack"))]
AlertsConfigure = Annotated[User, Depends(require("alerts.configure"))]
AlertsView = Annotated[User, Depends(require("alerts.view"))]
AuditView = Annotated[User, Depends(require("audit.view"))]
CasefilesMake = Annotated[User, Depends(require("casefiles.make"))]
ConsentWrite = Annotated[User, Depends(require("consent.write"))]
ContextView = Annotated[User, Depends(require("context.view"))]
ContextWrite = Annotated[User, Depends(require("context.write"))]
CountsView = Annotated[User, Depends(require("counts.view"))]
DashboardView = Annotated[User, Depends(require("dashboard.view"))]
EstimatesRun = Annotated[User, Depends(require("estimates.run"))]
EvidenceWrite = Annotated[User, Depends(require("evidence.write"))]
FactsheetsMake = Annotated[User, Depends(require("factsheets.make"))]
LinkageReview = Annotated[User, Depends(require("linkage.review"))]
LinkageRun = Annotated[User, Depends(require("linkage.run"))]
NamesView = Annotated[User, Depends(require("names.view"))]
PermissionsDebug = Annotated[User, Depends(require("permissions.debug"))]
PersonsView = Annotated[User, Depends(require("persons.view"))]
ReportsText = Annotated[User, Depends(require("reports.text"))]
ReportsView = Annotated[User, Depends(require("reports.view"))]
ShareEncode = Annotated[User, Depends(require("share.encode"))]
ShareLink = Annotated[User, Depends(require("share.link"))]
SourcesContacts = Annotated[User, Depends(require("sources.contacts"))]
SourcesView = Annotated[User, Depends(require("sources.view"))]
UsersManage = Annotated[User, Depends(require("users.manage"))]
