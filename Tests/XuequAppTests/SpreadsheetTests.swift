import Foundation
import Testing
import XuequTestSupport
import XuequCore
@testable import XuequKit

@Suite("Spreadsheets in and out")
struct SpreadsheetTests {
    @Test("reads an .xlsx written by openpyxl: shared strings, text IDs, dates as serial numbers")
    func readsOpenpyxl() throws {
        let table = try Spreadsheet.read(try fixtureData("teachers_good.xlsx"))
        #expect(table.header == ["姓名", "身份证号", "学校代码", "任教学科", "学历", "普通话等级", "职称", "骨干级别", "本校任教起始日期"])
        #expect(table.rows.count == 4)
        #expect(table.rows[1][0] == "李明")
        #expect(table.rows[1][3] == "语文、数学")
        // openpyxl writes a date as a serial number with a date format.
        #expect(CivilDate(excelSerial: Double(table.rows[1][8])!)?.description == "2015-09-01")
        #expect(table.rows[3][8] == "2021-09-01")
    }

    @Test("reads CSV in GBK as Excel on Chinese Windows saves it, and UTF-8 with BOM")
    func readsCSVEncodings() throws {
        let gbk = try Spreadsheet.read(try fixtureData("teachers_gbk.csv"))
        #expect(gbk.rows[1][0] == "刘洋")
        #expect(gbk.rows[2][3] == "美术、音乐")
        let bom = try Spreadsheet.read(try fixtureData("teachers_utf8_bom.csv"))
        #expect(bom.header.first == "姓名")
        #expect(bom.rows[1][0] == "刘阳")
    }

    @Test("CSV quoting: separators, quotes and line breaks inside fields")
    func csvQuoting() throws {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\r\n"
        let t = try CSV.read(Data(text.utf8))
        #expect(t.rows == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"]])
    }

    @Test("what Xuequ writes it reads back, in both formats, with text and special characters intact")
    func roundTrip() throws {
        let table = SheetTable(rows: [["姓名", "身份证号", "备注"], ["<b>&\"王\"</b>", "11010519491231002X", "=1+1"], ["李", "001234", ""]])
        let x = try Spreadsheet.write(table, format: .xlsx)
        #expect(try Spreadsheet.read(x).rows == table.rows)
        let c = try Spreadsheet.write(table, format: .csv)
        let back = try Spreadsheet.read(c)
        #expect(back.rows[1][0] == "<b>&\"王\"</b>")
        // A formula-looking cell is defused for spreadsheet programs.
        #expect(back.rows[1][2] == "'=1+1")
        #expect(back.rows[2][1] == "001234")
    }

    @Test("files that are not spreadsheets are refused with a clear code", arguments: [
        ("picture.xlsx", "not_a_spreadsheet"),
    ])
    func refusesPictures(name: String, code: String) throws {
        #expect { try Spreadsheet.read(try fixtureData(name)) } throws: { ($0 as? DomainError)?.code == code }
    }

    @Test("an empty file and an old .xls are refused")
    func emptyAndXLS() {
        #expect { try Spreadsheet.read(Data()) } throws: { ($0 as? DomainError)?.code == "empty_file" }
        #expect { try Spreadsheet.read(Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])) } throws: { ($0 as? DomainError)?.code == "xls_not_supported" }
        #expect { try Spreadsheet.read(Data([0x50, 0x4B, 0x03, 0x04, 1, 2, 3])) } throws: { ($0 as? DomainError) != nil }
    }
}

@Suite("Large spreadsheets")
struct LargeSpreadsheetTests {
    @Test("a sheet larger than libxml2's single-chunk limit (> 10 MB of XML) is read whole")
    func large() throws {
        var rows: [[String]] = [["姓名", "身份证号", "备注"]]
        for i in 0..<60_000 { rows.append(["教师\(i)", String(format: "110105199001%06d", i), String(repeating: "说明", count: 40)]) }
        let data = try XLSXWriter.write(SheetTable(rows: rows))
        let back = try Spreadsheet.read(data)
        #expect(back.rows.count == rows.count)
        #expect(back.rows.last == rows.last)
    }
}

@Suite("QR codes")
struct QRCodeTests {
    @Test("the encoder draws the same modules as the qrcode package for the same text, level and mask")
    func matchesReference() throws {
        let text = String(decoding: try fixtureData("qr_expected.txt"), as: UTF8.self)
        var cases = 0
        for record in text.components(separatedBy: "\n\n") where record.hasPrefix("text ") {
            let lines = record.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            let input = String(lines[0].dropFirst(5))
            let header = lines[1].split(separator: " ")
            let version = Int(header[1])!, mask = Int(header[3])!
            let rows = Array(lines.dropFirst(2))
            let qr = try QRCode.encode(input, mask: mask)
            #expect(qr.version == version, "\(input.prefix(20)): version")
            #expect(qr.size == rows.count)
            for (y, row) in rows.enumerated() {
                let mine = String((0..<qr.size).map { qr[x: $0, y: y] ? "1" : "0" })
                #expect(mine == row, "\(input.prefix(20)) mask \(mask) row \(y)")
            }
            cases += 1
        }
        #expect(cases == 6)
    }

    @Test("the chosen mask is one of eight, the SVG draws the code, and an overlong text is refused")
    func svgAndLimits() throws {
        let qr = try QRCode.encode("http://127.0.0.1:8080/verify?number=20261304020001")
        #expect((0..<8).contains(qr.mask) && qr.size == 33)
        let svg = qr.svg(label: "查验\"<")
        #expect(svg.hasPrefix("<svg") && svg.contains("viewBox=\"0 0 41 41\"") && svg.contains("查验&quot;&lt;"))
        #expect(throws: DomainError.self) { try QRCode.encode(String(repeating: "x", count: QRCode.maxBytes + 1)) }
    }
}
