"""Accounts and sub-accounts."""

from __future__ import annotations

from datetime import datetime

from boomi_promo.emulator import ids
from boomi_promo.emulator.errors import bad_request, forbidden, not_found
from boomi_promo.emulator.records import Account, Branch, Folder
from boomi_promo.emulator.state.core import MAIN_BRANCH_NAME, Row, StateCore, locked


class AccountsState(StateCore):
    @locked
    def add_account(
        self,
        account_id: str,
        name: str,
        *,
        parent_account_id: str | None = None,
        at: datetime | None = None,
    ) -> Account:
        if account_id in self.accounts:
            raise bad_request(f"Account {account_id} already exists.")
        created = self._now(at)
        self.folder_sequence += 1
        root = Folder(ids.folder_id(self.folder_sequence), account_id, name, None)
        self.folders[root.folder_id] = root
        self.branch_sequence += 1
        main = Branch(
            branch_id=ids.branch_id(self.branch_sequence),
            account_id=account_id,
            name=MAIN_BRANCH_NAME,
            description="",
            parent_id=None,
            package_id=None,
            created_by=self.username,
            created_date=created,
            ready_at=0.0,
        )
        self.branches[main.branch_id] = main
        account = Account(
            account_id=account_id,
            name=name,
            parent_account_id=parent_account_id,
            date_created=created,
            main_branch_id=main.branch_id,
            root_folder_id=root.folder_id,
        )
        self.accounts[account_id] = account
        return account

    def is_descendant(self, account_id: str, ancestor_id: str) -> bool:
        account = self.accounts.get(account_id)
        while account is not None and account.parent_account_id is not None:
            if account.parent_account_id == ancestor_id:
                return True
            account = self.accounts.get(account.parent_account_id)
        return False

    def _account_row(self, account: Account) -> Row:
        return {
            "@type": "Account",
            "accountId": account.account_id,
            "name": account.name,
            "status": account.status,
            "dateCreated": account.date_created,
            "supportLevel": "standard",
            "supportAccess": False,
            "suggestionsEnabled": False,
            "overDeployed": False,
            "widgetAccount": False,
        }

    @locked
    def get_account(self, effective_account_id: str, account_id: str) -> Row:
        account = self.accounts.get(account_id)
        if account is None:
            raise not_found(f"Account {account_id} was not found.")
        if account_id != effective_account_id and not self.is_descendant(
            account_id, effective_account_id
        ):
            raise forbidden(f"Account {effective_account_id} may not read account {account_id}.")
        return self._account_row(account)
