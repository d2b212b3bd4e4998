"""Bank statements written for the tests, in every format recoup reads, from a list of payments.

Each writer puts in the file's own control totals (balances, counts, hashes) so a reader can
check them; the tests then change one byte to see a file rejected.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape


@dataclass
class Paid:
    amount: int  # minor units; negative: a debit
    payer_name: str = "Acme Trading GmbH"
    payer_account: str = "DE89370400440532013000"
    remittance: str = ""
    reference: str = ""  # a structured creditor reference (RF, QRR)
    documents: list[tuple[str, int]] = field(default_factory=list)  # invoice ref, amount paid
    bank_ref: str = ""
    booked_on: dt.date = dt.date(2025, 3, 3)
    currency: str = "EUR"


def ascii_only(text: str) -> str:
    """What a US bank's ASCII formats (BAI2, NACHA) make of a name: accents dropped."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def money(minor: int) -> str:
    return f"{Decimal(abs(minor)).scaleb(-2):.2f}"


def camt053(
    payments: list[Paid], *, version: str = "08", opening: int = 100000, account: str = "DE02120300000000202051"
) -> bytes:
    entries = "".join(_camt_entry(p, n, version) for n, p in enumerate(payments, 1))
    closing = opening + sum(p.amount for p in payments)
    credits = [p for p in payments if p.amount > 0]
    debits = [p for p in payments if p.amount < 0]
    day = payments[0].booked_on.isoformat()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">
<BkToCstmrStmt><GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>STMT-{day}</Id><CreDtTm>{day}T18:00:00</CreDtTm>
<FrToDt><FrDtTm>{day}T00:00:00</FrDtTm><ToDtTm>{day}T23:59:59</ToDtTm></FrToDt>
<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{money(opening)}</Amt><CdtDbtInd>{"CRDT" if opening >= 0 else "DBIT"}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{money(closing)}</Amt><CdtDbtInd>{"CRDT" if closing >= 0 else "DBIT"}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>
<TxsSummry><TtlNtries><NbOfNtries>{len(payments)}</NbOfNtries></TtlNtries>
<TtlCdtNtries><NbOfNtries>{len(credits)}</NbOfNtries><Sum>{money(sum(p.amount for p in credits))}</Sum></TtlCdtNtries>
<TtlDbtNtries><NbOfNtries>{len(debits)}</NbOfNtries><Sum>{money(sum(-p.amount for p in debits))}</Sum></TtlDbtNtries></TxsSummry>
{entries}</Stmt></BkToCstmrStmt></Document>""".encode()


def _party(name: str, version: str) -> str:
    return f"<Pty><Nm>{name}</Nm></Pty>" if int(version) >= 8 else f"<Nm>{name}</Nm>"


def _camt_tx(p: Paid, n: int, version: str) -> str:
    side, account_side = ("Dbtr", "DbtrAcct") if p.amount > 0 else ("Cdtr", "CdtrAcct")
    strd = ""
    if p.reference:
        strd += f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{p.reference}</Ref></CdtrRefInf></Strd>"
    for ref, amount in p.documents:
        strd += f'<Strd><RfrdDocInf><Nb>{ref}</Nb></RfrdDocInf><RfrdDocAmt><RmtdAmt Ccy="EUR">{money(amount)}</RmtdAmt></RfrdDocAmt></Strd>'
    ustrd = f"<Ustrd>{escape(p.remittance)}</Ustrd>" if p.remittance else ""
    return (
        f"<TxDtls><Refs><AcctSvcrRef>{p.bank_ref or f'BR-{n}'}</AcctSvcrRef><EndToEndId>E2E-{n}</EndToEndId></Refs>"
        f'<Amt Ccy="{p.currency}">{money(p.amount)}</Amt>'
        f"<RltdPties><{side}>{_party(escape(p.payer_name), version)}</{side}><{account_side}><Id><IBAN>{p.payer_account}</IBAN></Id></{account_side}></RltdPties>"
        f"<RmtInf>{ustrd}{strd}</RmtInf></TxDtls>"
    )


def _camt_entry(p: Paid, n: int, version: str) -> str:
    status = "<Sts><Cd>BOOK</Cd></Sts>" if int(version) >= 8 else "<Sts>BOOK</Sts>"
    family = "RCDT" if p.amount > 0 else "ICDT"
    return (
        f'<Ntry><Amt Ccy="{p.currency}">{money(p.amount)}</Amt><CdtDbtInd>{"CRDT" if p.amount > 0 else "DBIT"}</CdtDbtInd>{status}'
        f"<BookgDt><Dt>{p.booked_on.isoformat()}</Dt></BookgDt><ValDt><Dt>{p.booked_on.isoformat()}</Dt></ValDt>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls>{_camt_tx(p, n, version)}</NtryDtls></Ntry>\n"
    )


def camt054_batch(payments: list[Paid], *, version: str = "04") -> bytes:
    """One booked batch entry of several credit transfers (TxDtls), as banks notify them."""
    total = sum(p.amount for p in payments)
    day = payments[0].booked_on.isoformat()
    txs = "".join(_camt_tx(p, n, version) for n, p in enumerate(payments, 1))
    status = "<Sts><Cd>BOOK</Cd></Sts>" if int(version) >= 8 else "<Sts>BOOK</Sts>"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>N-1</MsgId><CreDtTm>{day}T12:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>NTF-{day}</Id><CreDtTm>{day}T12:00:00</CreDtTm><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">{money(total)}</Amt><CdtDbtInd>CRDT</CdtDbtInd>{status}<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>BATCH-{day}</AcctSvcrRef>
<NtryDtls><Btch><NbOfTxs>{len(payments)}</NbOfTxs><TtlAmt Ccy="EUR">{money(total)}</TtlAmt></Btch>{txs}</NtryDtls></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>""".encode()


def mt940_german(payments: list[Paid], *, opening: int = 100000) -> bytes:
    """A German bank's MT940: :86: with ?00 posting text, ?20-?29 purpose (SVWZ+, EREF+), ?31 IBAN, ?32 name."""
    day = payments[0].booked_on
    lines = [":20:STARTUMS", ":25:10020030/1234567", ":28C:1/1", f":60F:C{day:%y%m%d}EUR{money(opening).replace('.', ',')}"]
    for n, p in enumerate(payments, 1):
        mark = "C" if p.amount > 0 else "D"
        lines.append(
            f":61:{p.booked_on:%y%m%d}{p.booked_on:%m%d}{mark}{money(p.amount).replace('.', ',')}NTRFNONREF//{p.bank_ref or f'B{n}'}"
        )
        purpose = f"SVWZ+{p.remittance}" if p.remittance else ""
        subfields = "".join(f"?2{k}{purpose[k * 27 : (k + 1) * 27]}" for k in range((len(purpose) + 26) // 27))
        lines.append(f":86:166?00GUTSCHRIFT{subfields}?30COBADEFFXXX?31{p.payer_account}?32{p.payer_name[:27]}")
    closing = opening + sum(p.amount for p in payments)
    lines.append(f":62F:C{day:%y%m%d}EUR{money(closing).replace('.', ',')}")
    return ("\r\n".join(lines) + "\r\n-\r\n").encode("cp1252")


def bai2(payments: list[Paid], *, two_per_line: bool = False, account: str = "0975312468") -> bytes:
    """BAI2 with each credit as a 16 record whose text runs on in an 88 record."""
    details = []
    for n, p in enumerate(payments, 1):
        code = "165" if p.amount > 0 else "451"
        text = ascii_only(f"ORIG CO NAME:{p.payer_name} REF:{p.remittance}")
        details.append(
            [
                f"16,{code},{abs(p.amount)},0,{p.bank_ref or f'BNK{n}'},CUST{n},{text[:30]}",
                f"88,{text[30:]}/" if len(text) > 30 else None,
            ]
        )
    total = sum(abs(p.amount) for p in payments)
    records = ["01,BANKID,RECOUP,250303,0800,1,,,2/", "02,RECOUP,BANKID,1,250303,,USD,2/", f"03,{account},USD,010,500000,,,/"]
    count_in_account = 1
    for detail, more in details:
        records.append(detail if more else detail + "/")
        count_in_account += 1
        if more:
            records.append(more)
            count_in_account += 1
    account_total = 500000 + total
    records.append(f"49,{account_total},{count_in_account + 1}/")
    records.append(f"98,{account_total},1,{count_in_account + 3}/")
    records.append(f"99,{account_total},1,{count_in_account + 5}/")
    if two_per_line:
        joined, k = [], 0
        while k < len(records):
            if (
                records[k].startswith("16")
                and k + 1 < len(records)
                and records[k].endswith("/")
                and records[k + 1].startswith("16")
            ):
                joined.append(records[k] + records[k + 1])
                k += 2
            else:
                joined.append(records[k])
                k += 1
        records = joined
    return ("\n".join(records) + "\n").encode("ascii")


def ofx(payments: list[Paid], *, version: int = 1, encoding: str = "utf-8", qfx: bool = False) -> bytes:
    txs = "".join(
        f"<STMTTRN><TRNTYPE>{'CREDIT' if p.amount > 0 else 'DEBIT'}</TRNTYPE><DTPOSTED>{p.booked_on:%Y%m%d}120000.000[-5:EST]</DTPOSTED>"
        f"<TRNAMT>{'-' if p.amount < 0 else ''}{money(p.amount)}</TRNAMT><FITID>{p.bank_ref or f'FIT{n}'}</FITID>"
        f"<NAME>{escape(p.payer_name[:32])}</NAME><MEMO>{escape(p.remittance)}</MEMO></STMTTRN>\n"
        for n, p in enumerate(payments, 1)
    )
    day = payments[0].booked_on
    intu = "<INTU.BID>3000</INTU.BID>" if qfx else ""
    body = (
        f"<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>{day:%Y%m%d}</DTSERVER>"
        f"<LANGUAGE>ENG</LANGUAGE>{intu}</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID>"
        "<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><STMTRS><CURDEF>USD</CURDEF>"
        "<BANKACCTFROM><BANKID>121000248</BANKID><ACCTID>4321</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>"
        f"<BANKTRANLIST><DTSTART>{day:%Y%m%d}</DTSTART><DTEND>{day:%Y%m%d}235959</DTEND>\n{txs}</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>1000.00</BALAMT><DTASOF>{day:%Y%m%d}</DTASOF></LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    )
    if version == 1:
        header = "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        return (header + body).encode("cp1252")
    header = (
        f'<?xml version="1.0" encoding="{encoding}" standalone="no"?>\n'
        '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
    )
    return (header + body).encode(encoding)


def nacha_ctx(payments: list[Paid], *, company: str = "ACME TRADING", company_id: str = "1234567890") -> bytes:
    """Incoming CTX credits from one originator (the payer), each with an X12 820 in its addenda."""
    day = payments[0].booked_on
    records = [f"101 091000019 123456789{day:%y%m%d}0800A094101DEST BANK              RECOUP INC             ".ljust(94)]
    records.append(
        f"5220{company[:16].ljust(16)}{'':20}{company_id[:10].ljust(10)}CTXPAYMENT   {day:%y%m%d}{day:%y%m%d}   1091000010000001"
    )
    entry_hash = 0
    count = 0
    for n, p in enumerate(payments, 1):
        remit = "".join(f"RMR*IV*{ref}**{money(amount)}~" for ref, amount in p.documents) or (p.remittance + "~")
        remit = ascii_only(f"ST*820*0001~BPR*C*{money(p.amount)}*C*ACH~N1*PR*{p.payer_name}~" + remit + "SE*5*0001~")
        chunks = [remit[k : k + 80] for k in range(0, len(remit), 80)]
        trace = f"09100001{n:07d}"
        records.append(
            f"622{'09100001'}9{'123456789'.ljust(17)}{p.amount:010d}{f'ID{n}'.ljust(15)}{len(chunks):04d}{'RECOUP INC'.ljust(16)}    1{trace}"
        )
        entry_hash += 9100001
        count += 1 + len(chunks)
        for k, chunk in enumerate(chunks, 1):
            records.append(f"705{chunk.ljust(80)}{k:04d}{trace[-7:]}")
    credit = sum(p.amount for p in payments)
    records.append(
        f"8220{count:06d}{entry_hash % 10**10:010d}{0:012d}{credit:012d}{company_id[:10].ljust(10)}{'':25}091000010000001"
    )
    records.append(f"9000001000001{count:08d}{entry_hash % 10**10:010d}{0:012d}{credit:012d}{'':39}")
    records = [r.ljust(94) for r in records]
    return ("\n".join(records) + "\n").encode("ascii")


def csv_statement(payments: list[Paid]) -> tuple[bytes, str]:
    """A German online bank's CSV and the mapping (TOML) that reads it."""
    rows = ["Buchungstag;Wert;Betrag;Auftraggeber;IBAN;Verwendungszweck"]
    for p in payments:
        amount = money(p.amount).replace(".", ",")
        rows.append(
            f"{p.booked_on:%d.%m.%Y};{p.booked_on:%d.%m.%Y};{'-' if p.amount < 0 else ''}{amount};{p.payer_name};{p.payer_account};{p.remittance}"
        )
    mapping = """
[columns]
booked_on = "Buchungstag"
value_on = "Wert"
amount = "Betrag"
payer_name = "Auftraggeber"
payer_account = "IBAN"
remittance = "Verwendungszweck"
[format]
date = "%d.%m.%Y"
decimal_separator = ","
delimiter = ";"
encoding = "cp1252"
currency = "EUR"
account = "DE02120300000000202051"
"""
    return ("\n".join(rows) + "\n").encode("cp1252"), mapping
