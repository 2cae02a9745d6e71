"""Enumerations shared by several layers."""

from layers.base import Choice

STATUS = (
    Choice("proposed", "Đề xuất chủ trương", "Proposed", "#9c27b0"),
    Choice("preparing", "Chuẩn bị đầu tư", "Preparing", "#ff9800"),
    Choice("under_construction", "Đang thi công", "Under construction", "#1e88e5"),
    Choice("completed", "Hoàn thành", "Completed", "#2e7d32"),
    Choice("suspended", "Tạm dừng, vướng mắc", "Suspended / blocked", "#c62828"),
    Choice("after_2025", "Triển khai sau 2025", "After 2025", "#795548"),
)

# The markers of 002 (Báo cáo 320/BC-UBND), Appendix III, and what the report says they mean.
STATUS_CLASS = (
    Choice("*", "(*) Dự án đang triển khai thi công", "(*) Under construction", "#1e88e5"),
    Choice("**", "(**) Đã có quyết định chủ đầu tư, được bố trí vốn trung hạn, đang lập thủ tục",
           "(**) Investor appointed, funded, approvals in progress", "#ff9800"),
    Choice("***", "(***) Đang lập hồ sơ đề xuất chủ trương đầu tư",
           "(***) Investment proposal in preparation", "#9c27b0"),
    Choice("****", "(****) Dự án triển khai sau năm 2024-2025", "(****) To start after 2024-2025",
           "#795548"),
)
